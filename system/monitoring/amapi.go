package monitoring

// The Alertmanager API v2 is read with net/http and encoding/json rather than the
// alertmanager module's generated api/v2/client: that client pulls go-openapi
// (runtime, strfmt, validate, ...) and the alertmanager module itself into go.mod,
// which the whole repository shares, for the two read-only calls the harness makes.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// AMAlert is an alert as Alertmanager's GET /api/v2/alerts returns it.
type AMAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
	Fingerprint string            `json:"fingerprint"`
	Receivers   []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status struct {
		// State is "active", "suppressed" or "unprocessed".
		State       string   `json:"state"`
		SilencedBy  []string `json:"silencedBy"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status"`
}

// Name returns the alertname label.
func (a AMAlert) Name() string { return a.Labels["alertname"] }

// AMStatus is the part of GET /api/v2/status the harness reads.
type AMStatus struct {
	Cluster struct {
		Status string `json:"status"`
	} `json:"cluster"`
	VersionInfo map[string]string `json:"versionInfo"`
	Config      struct {
		Original string `json:"original"`
	} `json:"config"`
	Uptime time.Time `json:"uptime"`
}

// Alerts returns the alerts Alertmanager holds (GET /api/v2/alerts), including silenced
// and inhibited ones.
func (a *Alertmanager) Alerts(ctx context.Context) ([]AMAlert, error) {
	return AMAPI(a.base).Alerts(ctx)
}

// AMAPI is the base URL of an Alertmanager ("http://host:port"), whose API v2 it reads.
type AMAPI string

// Alerts returns the alerts the Alertmanager holds (GET /api/v2/alerts), including
// silenced and inhibited ones.
func (a AMAPI) Alerts(ctx context.Context) ([]AMAlert, error) {
	var out []AMAlert
	q := url.Values{"active": {"true"}, "silenced": {"true"}, "inhibited": {"true"}, "unprocessed": {"true"}}
	if err := a.getJSON(ctx, "/api/v2/alerts?"+q.Encode(), &out); err != nil {
		return nil, fmt.Errorf("alertmanager alerts: %w", err)
	}
	return out, nil
}

// Status returns GET /api/v2/status: version, cluster state and the loaded config.
func (a *Alertmanager) Status(ctx context.Context) (AMStatus, error) {
	return AMAPI(a.base).Status(ctx)
}

// Status returns GET /api/v2/status: version, cluster state and the loaded config.
func (a AMAPI) Status(ctx context.Context) (AMStatus, error) {
	var out AMStatus
	if err := a.getJSON(ctx, "/api/v2/status", &out); err != nil {
		return AMStatus{}, fmt.Errorf("alertmanager status: %w", err)
	}
	return out, nil
}

// getJSON GETs path and decodes a 200 answer into v.
func (a AMAPI) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, string(a)+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
