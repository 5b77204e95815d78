package monitoring

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/dashstream/acceptance/system/monitoring/profile"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
)

// Production is the profile of a user's own Prometheus and Alertmanager: the durations
// of the production fixtures, unscaled.
var Production = profile.Profile{Name: "production", Divisor: 1}

// External is a Prometheus and an Alertmanager the user runs (the external stack's
// PROMETHEUS_URL and ALERTMANAGER_URL). The harness reads them and configures nothing:
// the rules are checked as loaded there, alerts are read from Alertmanager's API, and
// no webhook receiver of the harness is among Alertmanager's receivers, so Deliveries is
// nil and WaitFor returns ErrNoReceiver.
type External struct {
	prom     v1.API
	promURL  string
	am       AMAPI
	versions map[string]string
}

var _ Monitoring = (*External)(nil)

// ConnectExternal checks that Prometheus at promURL and Alertmanager at amURL answer
// (Prometheus's build information, Alertmanager's status) and returns them as a
// Monitoring. An empty or malformed URL, or one that does not answer, is an error that
// names the URL.
func ConnectExternal(ctx context.Context, promURL, amURL string) (*External, error) {
	for _, u := range []string{promURL, amURL} {
		if p, err := url.Parse(u); err != nil || p.Scheme == "" || p.Host == "" {
			return nil, fmt.Errorf("connect monitoring: %q is not a URL: set PROMETHEUS_URL and ALERTMANAGER_URL to http://host:port", u)
		}
	}
	cl, err := api.NewClient(api.Config{Address: promURL})
	if err != nil {
		return nil, fmt.Errorf("connect monitoring: %w", err)
	}
	e := &External{prom: v1.NewAPI(cl), promURL: promURL, am: AMAPI(promTrim(amURL)), versions: map[string]string{}}
	bi, err := e.prom.Buildinfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect monitoring: prometheus at %s: %w (check PROMETHEUS_URL)", promURL, err)
	}
	e.versions["prometheus"] = fmt.Sprintf("prometheus %s (external %s)", bi.Version, promURL)
	st, err := e.am.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect monitoring: alertmanager at %s: %w (check ALERTMANAGER_URL)", amURL, err)
	}
	e.versions["alertmanager"] = fmt.Sprintf("alertmanager %s (external %s)", st.VersionInfo["version"], amURL)
	return e, nil
}

// promTrim drops a trailing slash, so paths join cleanly.
func promTrim(u string) string {
	for len(u) > 0 && u[len(u)-1] == '/' {
		u = u[:len(u)-1]
	}
	return u
}

// API implements Monitoring.
func (e *External) API() v1.API { return e.prom }

// Selectors implements Monitoring with the user's Prometheus's parser.
func (e *External) Selectors(ctx context.Context, query string) ([]Selector, error) {
	return ParseSelectors(ctx, e.promURL, query)
}

// SetScrapeJobs implements Monitoring: a user's Prometheus scrapes what its own
// configuration says, so it returns ErrUnsupported.
func (e *External) SetScrapeJobs(context.Context, ...ScrapeJob) error {
	return fmt.Errorf("set scrape jobs: %w: the external Prometheus scrapes what its own configuration says", ErrUnsupported)
}

// Alerts implements Monitoring.
func (e *External) Alerts(ctx context.Context) ([]AMAlert, error) { return e.am.Alerts(ctx) }

// Deliveries implements Monitoring: nil, no receiver of the harness is configured there.
func (e *External) Deliveries() []webhook.Delivery { return nil }

// WaitFor implements Monitoring: ErrNoReceiver.
func (e *External) WaitFor(context.Context, func(webhook.Delivery) bool) (webhook.Delivery, error) {
	return webhook.Delivery{}, ErrNoReceiver
}

// RuleProfile implements Monitoring: Production.
func (e *External) RuleProfile() profile.Profile { return Production }

// GroupWait implements Monitoring, from the configuration Alertmanager reports it runs.
func (e *External) GroupWait(receiver string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := e.am.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("group wait: %w", err)
	}
	return GroupWaitIn([]byte(st.Config.Original), receiver)
}

// Versions implements Monitoring.
func (e *External) Versions() map[string]string {
	return maps.Clone(e.versions)
}

// Close implements Monitoring: nothing was started.
func (e *External) Close() error { return nil }
