package monitoring

import (
	"context"
	"errors"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/dashstream/acceptance/system/monitoring/profile"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
)

// Monitoring is the alerting path one scenario observes: a Prometheus that evaluates the
// DashStream rules and an Alertmanager that routes their alerts, wherever they run. Stack
// runs both as child processes of the harness (embedded and local stacks);
// containers.Monitoring runs them as containers on the stack's network; External reads a
// Prometheus and an Alertmanager the user runs.
type Monitoring interface {
	// API is Prometheus's HTTP API: instant queries and the rules it has loaded.
	API() v1.API
	// Selectors parses a PromQL expression with Prometheus's own parser
	// (ParseSelectors) and returns the series selectors it reads.
	Selectors(ctx context.Context, query string) ([]Selector, error)
	// SetScrapeJobs replaces every scrape job and returns once Prometheus has reloaded
	// its configuration; ErrUnsupported where the harness cannot configure Prometheus.
	SetScrapeJobs(ctx context.Context, jobs ...ScrapeJob) error
	// Alerts returns the alerts Alertmanager holds (GET /api/v2/alerts).
	Alerts(ctx context.Context) ([]AMAlert, error)
	// Deliveries returns every notification the harness's webhook receiver recorded, in
	// arrival order; nil where Alertmanager delivers to no receiver of the harness.
	Deliveries() []webhook.Delivery
	// WaitFor returns the earliest delivery that matches pred, waiting until ctx ends;
	// ErrNoReceiver where Alertmanager delivers to no receiver of the harness.
	WaitFor(ctx context.Context, pred func(webhook.Delivery) bool) (webhook.Delivery, error)
	// RuleProfile is the profile the rules and routes were scaled with (profile.Fast for
	// the harness's own; profile.Production for a user's Prometheus).
	RuleProfile() profile.Profile
	// GroupWait tells how long Alertmanager waits before it first notifies receiver.
	GroupWait(receiver string) (time.Duration, error)
	// Versions names Prometheus's and Alertmanager's versions and, for containers, images.
	Versions() map[string]string
	// Close stops what was started for the scenario; it is safe to call twice.
	Close() error
}

// ErrUnsupported is returned by a Monitoring that cannot do what was asked (the user's
// own Prometheus cannot be given scrape jobs).
var ErrUnsupported = errors.New("not supported by this monitoring")

// ErrNoReceiver is returned by WaitFor where Alertmanager delivers to no webhook receiver
// of the harness.
var ErrNoReceiver = errors.New("no webhook receiver of the harness: Alertmanager's notifications cannot be observed")

var _ Monitoring = (*Stack)(nil)

// API implements Monitoring: the host Prometheus's API.
func (st *Stack) API() v1.API { return st.Prometheus.API() }

// Selectors implements Monitoring with the host Prometheus's parser.
func (st *Stack) Selectors(ctx context.Context, query string) ([]Selector, error) {
	return ParseSelectors(ctx, st.Prometheus.URL(), query)
}

// SetScrapeJobs implements Monitoring: it rewrites the host Prometheus's configuration.
func (st *Stack) SetScrapeJobs(ctx context.Context, jobs ...ScrapeJob) error {
	return st.Prometheus.SetScrapeJobs(ctx, jobs...)
}

// Alerts implements Monitoring.
func (st *Stack) Alerts(ctx context.Context) ([]AMAlert, error) { return st.Alertmanager.Alerts(ctx) }

// Deliveries implements Monitoring.
func (st *Stack) Deliveries() []webhook.Delivery { return st.Webhook.Deliveries() }

// WaitFor implements Monitoring.
func (st *Stack) WaitFor(ctx context.Context, pred func(webhook.Delivery) bool) (webhook.Delivery, error) {
	return st.Webhook.WaitFor(ctx, pred)
}

// RuleProfile implements Monitoring.
func (st *Stack) RuleProfile() profile.Profile { return st.Profile }
