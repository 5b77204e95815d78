package monitoring

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/proc"
)

// Prometheus is a running Prometheus server started by StartPrometheus.
type Prometheus struct {
	*child
	settings promSettings
	config   string
	api      v1.API
}

// DiscoveryReload is how often the harness's Prometheus applies changed scrape targets
// (--scrape.discovery-reload-interval, 5 s by default: a scenario would wait that long
// for its first scrape), wherever it runs.
const DiscoveryReload = 250 * time.Millisecond

// StartPrometheus starts Prometheus as a child process on a free loopback port, with a
// configuration rendered from the scenario template into a new temporary directory, and
// returns once /-/ready answers 200. Defaults: scrape and evaluation interval 1 s, no
// rule files, no scrape jobs, no Alertmanager; --web.enable-lifecycle is on so that
// Reconfigure works. On error nothing is left running.
func StartPrometheus(ctx context.Context, opts ...PrometheusOption) (*Prometheus, error) {
	s := promSettings{scrape: DefaultInterval, eval: DefaultInterval}
	for _, o := range opts {
		o.applyPrometheus(&s)
	}
	s.defaults()
	dir, err := os.MkdirTemp("", "dashstream-prometheus-")
	if err != nil {
		return nil, fmt.Errorf("start prometheus: %w", err)
	}
	p := &Prometheus{settings: s, config: filepath.Join(dir, "prometheus.yml")}
	if err := p.writeConfig(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start prometheus: %w", err)
	}
	ch, err := startChild(ctx, childSpec{
		name: "prometheus", tool: "prometheus", dir: dir, readyPath: "/-/ready",
		args: func(listen string) []string {
			args := []string{
				"--config.file=" + p.config,
				"--storage.tsdb.path=" + filepath.Join(dir, "data"),
				"--web.listen-address=" + listen,
				"--web.external-url=http://" + listen + "/",
				"--web.enable-lifecycle",
				// Prometheus applies new scrape targets every 5 s by default (a hidden
				// flag): a scenario would wait that long for its first scrape.
				"--scrape.discovery-reload-interval=" + DiscoveryReload.String(),
				"--log.level=info",
			}
			if s.resendDelay > 0 {
				args = append(args, "--rules.alert.resend-delay="+s.resendDelay.String())
			}
			return append(args, s.extraArgs...)
		},
	}, s.common)
	if err != nil {
		return nil, fmt.Errorf("start prometheus: %w", err)
	}
	p.child = ch
	client, err := api.NewClient(api.Config{Address: ch.base})
	if err != nil {
		_ = ch.close()
		return nil, fmt.Errorf("start prometheus: api client: %w", err)
	}
	p.api = v1.NewAPI(client)
	return p, nil
}

// writeConfig renders the settings into the config file.
func (p *Prometheus) writeConfig() error {
	b, err := RenderPrometheusConfig(p.settings.scrape, p.settings.eval, p.settings.ruleFiles,
		p.settings.alertmanagers, p.settings.jobs)
	if err != nil {
		return err
	}
	tmp := p.config + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return os.Rename(tmp, p.config)
}

// URL returns the base URL ("http://127.0.0.1:port").
func (p *Prometheus) URL() string { return p.base }

// API returns a client_golang API client for this server.
func (p *Prometheus) API() v1.API { return p.api }

// Process returns the child process, for chaos (Pause, Kill) and for its log.
func (p *Prometheus) Process() *proc.Process { return p.proc }

// ConfigFile returns the path of the rendered configuration.
func (p *Prometheus) ConfigFile() string { return p.config }

// Config returns the rendered configuration.
func (p *Prometheus) Config() ([]byte, error) { return os.ReadFile(p.config) }

// Reconfigure applies more options on top of the current settings (for example Scrape
// to add a target, or RuleFiles), rewrites the configuration and asks Prometheus to
// reload it (POST /-/reload). Options that only affect the command line (ExtraArgs,
// AlertResendDelay, LogTo) have no effect after start. On a failed reload the old
// settings are restored and Prometheus keeps running with its previous configuration.
func (p *Prometheus) Reconfigure(ctx context.Context, opts ...PrometheusOption) error {
	old := p.settings
	old.ruleFiles, old.jobs = slices.Clone(old.ruleFiles), slices.Clone(old.jobs)
	for _, o := range opts {
		o.applyPrometheus(&p.settings)
	}
	err := p.writeConfig()
	if err == nil {
		err = p.post(ctx, "/-/reload")
	}
	if err != nil {
		p.settings = old
		_ = p.writeConfig()
		return fmt.Errorf("reconfigure prometheus: %w", err)
	}
	return nil
}

// SetScrapeJobs replaces every scrape job and reloads the configuration.
func (p *Prometheus) SetScrapeJobs(ctx context.Context, jobs ...ScrapeJob) error {
	return p.Reconfigure(ctx, promOption(func(s *promSettings) { s.jobs = slices.Clone(jobs) }))
}

// WaitForAlert polls the alerts API until an alert named name is in state ("pending" or
// "firing") and returns it, or returns an error listing the alerts seen when ctx ends.
func (p *Prometheus) WaitForAlert(ctx context.Context, name string, state v1.AlertState) (v1.Alert, error) {
	var found v1.Alert
	var seen []v1.Alert
	_, last, err := poll.Until(ctx, 0, readyPoll, func(ctx context.Context) (bool, string, error) {
		res, err := p.api.Alerts(ctx)
		if err != nil {
			return false, "", err
		}
		seen = res.Alerts
		for _, a := range res.Alerts {
			if string(a.Labels["alertname"]) == name && a.State == state {
				found = a
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("%d alerts", len(res.Alerts)), nil
	})
	if err != nil {
		return v1.Alert{}, fmt.Errorf("wait for %s %s: %w (alerts seen: %v, last: %s)", name, state, err, seen, last)
	}
	return found, nil
}

// Close stops Prometheus and removes its directory; it is safe to call twice.
func (p *Prometheus) Close() error { return p.close() }
