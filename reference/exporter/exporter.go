package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
)

// ErrRunning is returned by Run when another Run of the same Exporter is in progress.
var ErrRunning = errors.New("exporter is already running: call Run once")

// Exporter consumes the DashStream topics with the reference consumer and exports what it
// sees as Prometheus metrics (Handler serves them with /readyz and /healthz).
type Exporter struct {
	cfg     config
	reg     *prometheus.Registry
	guard   *backoff.Guard
	dedup   *backoff.Dedup
	klog    *slog.Logger // Kafka connectivity logs, deduplicated
	cons    *consumer.Consumer
	adm     *kadm.Client
	m       *metrics
	quality *quality
	tenants *tenantLabels
	offsets offsets

	runMu   sync.Mutex
	running bool
}

// New returns an Exporter with its metrics registered on a fresh registry. It does not
// wait for Kafka (franz-go starts dialling in the background): unreachable brokers show
// up in /readyz, the logs and the metrics, not as an error.
func New(opts ...Opt) (*Exporter, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if len(cfg.topics) == 0 {
		return nil, fmt.Errorf("new exporter: no topics: give Topics at least one")
	}
	if cfg.lagInterval <= 0 || cfg.dedup <= 0 || cfg.maxSeries <= 0 || cfg.maxTenants <= 0 {
		return nil, fmt.Errorf("new exporter: lag interval, dedup interval, max quality series and max tenants must be positive")
	}
	if cfg.flush < 0 {
		return nil, fmt.Errorf("new exporter: flush interval %s is negative (0: the dedup interval)", cfg.flush)
	}
	if cfg.flush == 0 {
		cfg.flush = cfg.dedup
	}
	e := &Exporter{cfg: cfg, reg: prometheus.NewRegistry()}
	e.dedup = backoff.NewDedup(cfg.log.Handler(), backoff.Interval(cfg.dedup))
	e.klog = slog.New(e.dedup)
	gopts := []backoff.GuardOpt{backoff.DialTimeout(cfg.dialTimeout), backoff.Logger(e.klog)}
	if cfg.policy != nil {
		gopts = append(gopts, backoff.Backoff(cfg.policy))
	}
	e.guard = backoff.NewGuard(gopts...)
	e.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e.quality = newQuality(cfg.maxSeries, func() { e.m.qualityEvicted.Inc() })
	e.tenants = newTenantLabels(cfg.maxTenants)
	m, err := newMetrics(e.reg, e.guard, e.quality)
	if err != nil {
		return nil, fmt.Errorf("new exporter: register metrics: %w", err)
	}
	e.m = m
	copts := []consumer.Opt{
		consumer.Topics(cfg.topics...),
		consumer.Group(cfg.group),
		consumer.DLQTopic(cfg.dlq),
		consumer.Registerer(e.reg),
		consumer.Logger(cfg.log),
		consumer.OnRecord(e.onRecord),
		consumer.OnDecodeError(func(_ context.Context, r *kgo.Record, _ error) {
			e.offsets.handled(r.Topic, r.Partition, r.Offset)
		}),
		consumer.ClientOpts(append(e.guard.ClientOpts(), cfg.clientOpts...)...),
	}
	if len(cfg.brokers) > 0 {
		copts = append(copts, consumer.Brokers(cfg.brokers...))
	}
	c, err := consumer.New(append(copts, cfg.consumerOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("new exporter: %w", err)
	}
	e.cons = c
	e.adm = kadm.NewClient(c.Client())
	return e, nil
}

// Registry returns the registry /metrics serves.
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Consumer returns the reference consumer the exporter runs.
func (e *Exporter) Consumer() *consumer.Consumer { return e.cons }

// Guard returns the connection guard of the Kafka client (attempts, connected).
func (e *Exporter) Guard() *backoff.Guard { return e.guard }

// Ready reports whether Kafka has answered a metadata request, and if not, why.
func (e *Exporter) Ready() (bool, string) {
	if e.guard.Answered() {
		return true, "ready"
	}
	brokers := "127.0.0.1:9092 (the default: no brokers configured)"
	if len(e.cfg.brokers) > 0 {
		brokers = fmt.Sprint(e.cfg.brokers)
	}
	return false, fmt.Sprintf("kafka has not answered a metadata request yet (brokers %s, %d connection attempts, %d failures): check KAFKA_BROKERS and that the brokers run",
		brokers, e.guard.Attempts(), e.guard.Failures())
}

// Run consumes until ctx ends (it returns nil then) or the consumer meets a fatal error
// (authorization). It also keeps the lag gauge current and flushes suppressed-log counts.
// Only one Run may be in progress.
func (e *Exporter) Run(ctx context.Context) error {
	e.runMu.Lock()
	if e.running {
		e.runMu.Unlock()
		return ErrRunning
	}
	e.running = true
	e.runMu.Unlock()
	defer func() {
		e.runMu.Lock()
		e.running = false
		e.runMu.Unlock()
	}()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { e.lagLoop(ctx) })
	wg.Go(func() { e.flushLoop(ctx) })
	err := e.cons.Run(ctx)
	cancel()
	wg.Wait()
	_ = e.dedup.Flush(context.WithoutCancel(ctx), true)
	if err != nil {
		return fmt.Errorf("exporter: %w", err)
	}
	return nil
}

func (e *Exporter) flushLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.flush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = e.dedup.Flush(ctx, false)
		}
	}
}

// Close closes the Kafka client; a Run in progress returns. Safe to call twice.
func (e *Exporter) Close() { e.cons.Close() }

// onRecord runs on the poll loop for every decoded message.
func (e *Exporter) onRecord(_ context.Context, r consumer.Record) {
	e.offsets.handled(r.Topic, r.Partition, r.Offset)
	e.observeLatency(r)
	if mt := r.Message.GetMetrics(); mt != nil && mt.GetScope() == QualityScope {
		tenant, invalid := e.tenants.label(r.Header.GetTenantId())
		if invalid != "" {
			e.m.invalidTenants.WithLabelValues(invalid).Inc()
			return
		}
		e.m.qualityMessages.WithLabelValues(tenant).Inc()
		scopeID := capLabel(mt.GetScopeId())
		for name, v := range mt.GetMetrics() {
			if reason := e.quality.observe(tenant, scopeID, name, v); reason != "" {
				e.m.qualitySkipped.WithLabelValues(reason).Inc()
			}
		}
	}
}

// observeLatency observes receipt time - header timestamp, counting (not observing) a
// negative one.
func (e *Exporter) observeLatency(r consumer.Record) {
	ts := r.Header.GetTimestampUs()
	if ts <= 0 {
		e.m.missingTimestamp.Inc()
		return
	}
	d := r.ReceivedAt.Sub(time.UnixMicro(ts))
	if d < 0 {
		e.m.negative.Inc()
		return
	}
	e.m.latency.Observe(d.Seconds())
}
