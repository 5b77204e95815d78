package containers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/profile"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
)

// StartMonitoring implements stack.Stack with StartContainerMonitoring: Prometheus and
// Alertmanager run as containers on the stack's network in every scenario that asks for
// monitoring, scraping the jobs' targets at their in-network addresses
// (Service.ScrapeAddr, alias:port).
func (s *Stack) StartMonitoring(ctx context.Context, jobs ...monitoring.ScrapeJob) (monitoring.Monitoring, error) {
	m, err := s.StartContainerMonitoring(ctx, jobs...)
	if err != nil {
		return nil, err
	}
	return m, nil
}

var _ monitoring.Monitoring = (*Monitoring)(nil)

// API implements monitoring.Monitoring: the Prometheus container's API, through its
// published port.
func (m *Monitoring) API() v1.API { return m.Prometheus }

// Selectors implements monitoring.Monitoring with the Prometheus container's parser,
// through its published port.
func (m *Monitoring) Selectors(ctx context.Context, query string) ([]monitoring.Selector, error) {
	return monitoring.ParseSelectors(ctx, m.PrometheusURL, query)
}

// SetScrapeJobs implements monitoring.Monitoring: it renders the configuration with jobs
// (targets at their in-network addresses), copies it into the Prometheus container and
// returns once Prometheus has reloaded it (POST /-/reload answers when the reload is
// done).
func (m *Monitoring) SetScrapeJobs(ctx context.Context, jobs ...monitoring.ScrapeJob) error {
	cfg, err := monitoring.RenderPrometheusConfig(monitoring.DefaultInterval, monitoring.DefaultInterval,
		[]string{"/etc/prometheus/dashstream.fast.rules.yml"}, []string{m.AlertmanagerAddr}, jobs)
	if err != nil {
		return fmt.Errorf("set scrape jobs: %w", err)
	}
	if m.prom == nil {
		return fmt.Errorf("set scrape jobs: the prometheus container is not running")
	}
	if err := m.prom.CopyToContainer(ctx, cfg, "/etc/prometheus/prometheus.yml", 0o644); err != nil {
		return fmt.Errorf("set scrape jobs: copy the configuration: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.PrometheusURL+"/-/reload", nil)
	if err != nil {
		return fmt.Errorf("set scrape jobs: %w", err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("set scrape jobs: reload: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("set scrape jobs: reload: %s: %s\n%s", resp.Status, bytes.TrimSpace(body), m.Log(20))
	}
	return nil
}

// Alerts implements monitoring.Monitoring: the Alertmanager container's alerts.
func (m *Monitoring) Alerts(ctx context.Context) ([]monitoring.AMAlert, error) {
	return monitoring.AMAPI(m.AlertmanagerURL).Alerts(ctx)
}

// Deliveries implements monitoring.Monitoring: what the Alertmanager container delivered
// to the harness's receiver on the host.
func (m *Monitoring) Deliveries() []webhook.Delivery { return m.Webhook.Deliveries() }

// WaitFor implements monitoring.Monitoring.
func (m *Monitoring) WaitFor(ctx context.Context, pred func(webhook.Delivery) bool) (webhook.Delivery, error) {
	return m.Webhook.WaitFor(ctx, pred)
}

// RuleProfile implements monitoring.Monitoring: the fast profile.
func (m *Monitoring) RuleProfile() profile.Profile { return m.Profile }

// GroupWait implements monitoring.Monitoring, from the configuration copied into the
// Alertmanager container.
func (m *Monitoring) GroupWait(receiver string) (time.Duration, error) {
	return monitoring.GroupWaitIn(m.amConfig, receiver)
}

// Versions implements monitoring.Monitoring: "prometheus v3.x (image ...)".
func (m *Monitoring) Versions() map[string]string { return maps.Clone(m.versions) }
