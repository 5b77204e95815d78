package wsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
)

// ErrRunning is returned by Run when another Run of the same Server is in progress.
var ErrRunning = errors.New("websocket server is already running: call Run once")

// Server consumes the DashStream topics once, with one reference consumer for its whole
// life, and fans every record out to the WebSocket clients of the record's tenant.
type Server struct {
	cfg   config
	reg   *prometheus.Registry
	guard *backoff.Guard
	dedup *backoff.Dedup
	klog  *slog.Logger
	cons  *consumer.Consumer
	m     *metrics
	hub   *hub
	track *tracker
	raw   rawValues
	// grants is nil without TokenGrants: no authentication.
	grants grantTable

	bmu     sync.Mutex
	breaker *Breaker

	nextID  atomic.Uint64
	running atomic.Bool
	// base ends when Run ends: every client is then closed with 1001 (going away).
	base     context.Context
	stopBase context.CancelFunc
	conns    sync.WaitGroup
}

// New returns a Server with its metrics registered on a fresh registry. It does not wait
// for Kafka: an unreachable broker shows in /health, not as an error.
func New(opts ...Opt) (*Server, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	switch {
	case cfg.queueBytes < MinQueueBytes || cfg.queueBytes > MaxQueueBytes:
		return nil, fmt.Errorf("new websocket server: queue bytes %d is outside %d..%d: give QueueBytes a value in that range", cfg.queueBytes, MinQueueBytes, MaxQueueBytes)
	case len(cfg.topics) == 0:
		return nil, fmt.Errorf("new websocket server: no topics: give Topics at least one")
	case cfg.window <= 0 || cfg.probeInterval <= 0 || cfg.writeTimeout <= 0 || cfg.dedup <= 0 || cfg.pingInterval <= 0 || cfg.pingTimeout <= 0:
		return nil, fmt.Errorf("new websocket server: health window, probe interval, write timeout, dedup interval, ping interval and ping timeout must be positive")
	case cfg.queueSize <= 0 || cfg.queueSize > MaxQueueSize:
		return nil, fmt.Errorf("new websocket server: queue size %d is outside 1..%d", cfg.queueSize, MaxQueueSize)
	case cfg.readLimit <= 0 || cfg.disconnectAfter < 0 || cfg.staleAfter < 0 || cfg.reconnectingAfter < 0:
		return nil, fmt.Errorf("new websocket server: read limit must be positive, disconnect-after-drops, stale-after and reconnecting-after 0 or more")
	}
	if err := cfg.grants.validate(); err != nil {
		return nil, fmt.Errorf("new websocket server: %w", err)
	}
	if err := CheckOrigins(cfg.origins); err != nil {
		return nil, fmt.Errorf("new websocket server: %w", err)
	}
	s := &Server{cfg: cfg, grants: newGrantTable(cfg.grants), reg: prometheus.NewRegistry(), hub: newHub(), breaker: NewBreaker(cfg.breaker),
		track: newTracker(cfg.now, cfg.window, cfg.staleAfter, cfg.reconnectingAfter)}
	s.base, s.stopBase = context.WithCancel(context.Background())
	s.dedup = backoff.NewDedup(cfg.log.Handler(), backoff.Interval(cfg.dedup))
	s.klog = slog.New(s.dedup)
	gopts := []backoff.GuardOpt{backoff.DialTimeout(cfg.dialTimeout), backoff.Logger(s.klog),
		backoff.Gate(s.gate)}
	if cfg.policy != nil {
		gopts = append(gopts, backoff.Backoff(cfg.policy))
	}
	s.guard = backoff.NewGuard(gopts...)
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := newMetrics(s.reg, func() float64 { return float64(s.breakerState()) }, func() float64 {
		if s.track.kafkaConnected() {
			return 1
		}
		return 0
	})
	if err != nil {
		return nil, fmt.Errorf("new websocket server: register metrics: %w", err)
	}
	s.m = m
	kopts := append(s.guard.ClientOpts(), kgo.WithHooks(&s.raw, outcomes{s}), kgo.ClientID(ClientID))
	copts := []consumer.Opt{
		consumer.Topics(cfg.topics...),
		consumer.Group(""),
		consumer.DLQTopic(""), // the exporter owns the DLQ; a second copy would duplicate it
		consumer.ResetOffset(kgo.NewOffset().AfterMilli(cfg.now().UnixMilli())),
		consumer.Registerer(s.reg),
		consumer.Logger(cfg.log),
		consumer.OnRecord(s.onRecord),
		consumer.OnDecodeError(s.onDecodeError),
		consumer.ClientOpts(append(kopts, cfg.clientOpts...)...),
	}
	if len(cfg.brokers) > 0 {
		copts = append(copts, consumer.Brokers(cfg.brokers...))
	}
	c, err := consumer.New(append(copts, cfg.consumerOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("new websocket server: %w", err)
	}
	s.cons = c
	return s, nil
}

// Registry returns the registry /metrics serves.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// ConnectionRefused counts a connection the listener refused at its cap
// (dashstream_ws_connections_refused_total); give it to httplimit.Listener.
func (s *Server) ConnectionRefused() { s.m.refused.Inc() }

// Guard returns the connection guard of the Kafka client.
func (s *Server) Guard() *backoff.Guard { return s.guard }

// Health returns what /health serves.
func (s *Server) Health() Health {
	s.bmu.Lock()
	snap := s.breaker.Snapshot(s.cfg.now())
	bc := s.breaker.Config()
	s.bmu.Unlock()
	h := s.track.health(snap, s.hub.count())
	h.Thresholds.BreakerFailureThreshold, h.Thresholds.BreakerOpenForSeconds = bc.FailureThreshold, bc.OpenFor.Seconds()
	h.Thresholds.BreakerCloseAfter, h.Thresholds.ProbeIntervalSeconds = bc.CloseAfter, s.cfg.probeInterval.Seconds()
	return h
}

// Run consumes until ctx ends, then closes every client (1001 going away) and waits for
// their handlers, and returns nil. The consumer loop is restarted (counted, logged, after
// a backoff) whenever it ends with an error: a Kafka failure never ends Run.
func (s *Server) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.probeLoop(ctx) })
	wg.Go(func() { s.flushLoop(ctx) })
	for restarts := 1; ; restarts++ {
		err := s.cons.Run(ctx)
		if ctx.Err() != nil || err == nil { // nil without ctx ending: Close was called
			break
		}
		s.m.restarts.Inc()
		s.track.infraError()
		s.record(false, false)
		wait := s.guard.Backoff(restarts)
		s.cfg.log.Error("kafka consumer loop ended; restarting it", "error", err.Error(), "restart", restarts, "in", wait.String())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	cancel()
	wg.Wait()
	s.track.shutdown()
	s.stopBase()
	s.conns.Wait()
	_ = s.dedup.Flush(context.Background(), true)
	return nil
}

// Close closes the Kafka client (a Run in progress ends) and every client connection.
// Safe to call twice.
func (s *Server) Close() {
	s.cons.Close()
	s.track.shutdown()
	s.stopBase()
}

func (s *Server) flushLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.dedup)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.dedup.Flush(ctx, false)
		}
	}
}

// probeLoop pings Kafka (a broker-only Metadata request) every ProbeInterval while the
// breaker is half-open; each ping's outcome is one probe. Other Kafka traffic does not
// count as a probe, only its failures reopen the breaker.
func (s *Server) probeLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.probeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.breakerState() != HalfOpen {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, max(s.cfg.probeInterval, 2*time.Second))
		err := s.cons.Client().Ping(pctx)
		cancel()
		if ctx.Err() == nil {
			s.record(err == nil, true)
		}
	}
}
