package monitoring

import (
	"io"
	"time"
)

// Defaults of the runners.
const (
	// DefaultInterval is the scrape and rule-evaluation interval of a test Prometheus.
	DefaultInterval = time.Second
	// DefaultReadyTimeout bounds the wait for a component's readiness endpoint.
	DefaultReadyTimeout = 60 * time.Second
	// DefaultGrace is how long Close waits after SIGTERM before SIGKILL.
	DefaultGrace = 5 * time.Second
)

// ScrapeJob is one Prometheus scrape job with static targets.
type ScrapeJob struct {
	// Name is the job label ("dashstream-exporter").
	Name string
	// Targets are host:port pairs.
	Targets []string
	// MetricsPath is the path scraped; empty means /metrics.
	MetricsPath string
	// MetricRelabel are the job's metric_relabel_configs, applied to every scraped series
	// in order: another implementation's names turned into the ones the rules read
	// (sut.Profile.Relabel).
	MetricRelabel []Relabel
}

// Relabel is one metric_relabel_configs rule (action replace): when the values of
// SourceLabels joined by ";" match Regex (anchored at both ends), TargetLabel is set to
// Replacement with ${1}, ${2} expanded from Regex's groups; an empty result removes the
// label.
type Relabel struct {
	SourceLabels []string
	Regex        string
	TargetLabel  string
	Replacement  string
}

// common are the settings both runners share.
type common struct {
	log          io.Writer
	readyTimeout time.Duration
	binary       string
	grace        time.Duration
}

// promSettings configure StartPrometheus.
type promSettings struct {
	common
	scrape, eval  time.Duration
	resendDelay   time.Duration
	ruleFiles     []string
	jobs          []ScrapeJob
	alertmanagers []string
	extraArgs     []string
}

// amSettings configure StartAlertmanager.
type amSettings struct {
	common
	extraArgs []string
}

// PrometheusOption configures StartPrometheus (and Prometheus.Reconfigure).
type PrometheusOption interface{ applyPrometheus(*promSettings) }

// AlertmanagerOption configures StartAlertmanager.
type AlertmanagerOption interface{ applyAlertmanager(*amSettings) }

// CommonOption configures both runners.
type CommonOption func(*common)

func (o CommonOption) applyPrometheus(s *promSettings) { o(&s.common) }
func (o CommonOption) applyAlertmanager(s *amSettings) { o(&s.common) }
func (o promOption) applyPrometheus(s *promSettings)   { o(s) }
func (o ArgsOption) applyPrometheus(s *promSettings)   { s.extraArgs = append(s.extraArgs, o...) }
func (o ArgsOption) applyAlertmanager(s *amSettings)   { s.extraArgs = append(s.extraArgs, o...) }

type promOption func(*promSettings)

// ArgsOption appends command-line flags; it configures both runners.
type ArgsOption []string

// LogTo copies the component's output (stdout and stderr) to w, a per-scenario log file
// say. The last 2000 lines are kept in memory either way.
func LogTo(w io.Writer) CommonOption { return func(c *common) { c.log = w } }

// ReadyTimeout bounds the wait for readiness (default DefaultReadyTimeout); ctx bounds it too.
func ReadyTimeout(d time.Duration) CommonOption { return func(c *common) { c.readyTimeout = d } }

// BinaryOption runs another executable; see Binary.
type BinaryOption string

func (o BinaryOption) applyPrometheus(s *promSettings) { s.binary = string(o) }
func (o BinaryOption) applyAlertmanager(s *amSettings) { s.binary = string(o) }

// Binary runs the executable at path instead of the one system/tools installs. StartStack
// applies it to Prometheus only.
func Binary(path string) BinaryOption { return BinaryOption(path) }

// Grace is how long Close waits after SIGTERM before SIGKILL (default DefaultGrace).
func Grace(d time.Duration) CommonOption { return func(c *common) { c.grace = d } }

// ExtraArgs appends command-line flags to the component's own.
func ExtraArgs(args ...string) ArgsOption { return ArgsOption(args) }

// ScrapeInterval sets the global scrape interval (default DefaultInterval).
func ScrapeInterval(d time.Duration) PrometheusOption {
	return promOption(func(s *promSettings) { s.scrape = d })
}

// EvaluationInterval sets the rule evaluation interval (default DefaultInterval).
func EvaluationInterval(d time.Duration) PrometheusOption {
	return promOption(func(s *promSettings) { s.eval = d })
}

// AlertResendDelay sets --rules.alert.resend-delay (Prometheus's default 1m when zero).
func AlertResendDelay(d time.Duration) PrometheusOption {
	return promOption(func(s *promSettings) { s.resendDelay = d })
}

// RuleFiles adds rule files (absolute paths or relative to the working directory).
func RuleFiles(paths ...string) PrometheusOption {
	return promOption(func(s *promSettings) { s.ruleFiles = append(s.ruleFiles, paths...) })
}

// Scrape adds a scrape job with static targets (host:port) on /metrics.
func Scrape(job string, targets ...string) PrometheusOption {
	return promOption(func(s *promSettings) { s.jobs = append(s.jobs, ScrapeJob{Name: job, Targets: targets}) })
}

// ScrapeJobs adds scrape jobs.
func ScrapeJobs(jobs ...ScrapeJob) PrometheusOption {
	return promOption(func(s *promSettings) { s.jobs = append(s.jobs, jobs...) })
}

// AlertmanagerTargets sets the Alertmanagers (host:port) alerts are sent to, replacing
// any set before.
func AlertmanagerTargets(hostports ...string) PrometheusOption {
	return promOption(func(s *promSettings) { s.alertmanagers = hostports })
}

func (c *common) defaults() {
	if c.readyTimeout <= 0 {
		c.readyTimeout = DefaultReadyTimeout
	}
	if c.grace <= 0 {
		c.grace = DefaultGrace
	}
}
