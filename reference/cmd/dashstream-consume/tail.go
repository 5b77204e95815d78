package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/sequence"
	"github.com/dashstream/acceptance/reference/wire"
)

// recordLine is printed for every decoded record.
type recordLine struct {
	Kind      string `json:"kind"` // "record"
	Tenant    string `json:"tenant"`
	Thread    string `json:"thread"`
	Sequence  uint64 `json:"sequence"`
	Type      string `json:"type"`
	Verdict   string `json:"verdict"`
	Expected  uint64 `json:"expected"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// decodeErrorLine is printed for every undecodable record.
type decodeErrorLine struct {
	Kind      string `json:"kind"` // "decode_error"
	Reason    string `json:"reason"`
	Error     string `json:"error"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// summary is the final line; it counts what was printed.
type summary struct {
	Kind           string            `json:"kind"` // "summary"
	Received       uint64            `json:"received"`
	Gaps           uint64            `json:"gaps"`
	Duplicates     uint64            `json:"duplicates"`
	Reorders       uint64            `json:"reorders"`
	Zeros          uint64            `json:"zeros"`
	Missing        uint64            `json:"missing"`
	DecodeFailures map[string]uint64 `json:"decode_failures"`
	DLQRecords     uint64            `json:"dlq_records"`
	DLQFailures    uint64            `json:"dlq_failures"`
	ElapsedSeconds float64           `json:"elapsed_seconds"`
	TimedOut       bool              `json:"timed_out"`
}

// printer writes the lines and stops the run at the record limit. The consumer calls it
// from its poll loop only, but the summary is read after Run, hence the mutex.
type printer struct {
	mu    sync.Mutex
	enc   *json.Encoder
	max   int
	seen  int
	sum   summary
	limit context.CancelFunc
}

// take reports whether one more record may be printed, and stops the run at the limit.
func (p *printer) take() bool {
	if p.max > 0 && p.seen >= p.max {
		return false
	}
	p.seen++
	if p.max > 0 && p.seen == p.max {
		p.limit()
	}
	return true
}

func (p *printer) record(_ context.Context, r consumer.Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.take() {
		return
	}
	p.sum.Received++
	switch r.Result.Verdict {
	case sequence.Gap:
		p.sum.Gaps++
		p.sum.Missing += r.Result.GapSize()
	case sequence.Duplicate:
		p.sum.Duplicates++
	case sequence.Reorder:
		p.sum.Reorders++
	case sequence.Zero:
		p.sum.Zeros++
	}
	_ = p.enc.Encode(recordLine{Kind: "record", Tenant: wire.CutID(r.Header.GetTenantId()), Thread: wire.CutID(r.Header.GetThreadId()),
		Sequence: r.Header.GetSequence(), Type: typeName(r), Verdict: r.Result.Verdict.String(),
		Expected: r.Result.Expected, Topic: r.Topic, Partition: r.Partition, Offset: r.Offset})
}

func (p *printer) decodeError(_ context.Context, r *kgo.Record, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.take() {
		return
	}
	reason := wire.ReasonOf(err)
	p.sum.DecodeFailures[reason]++
	_ = p.enc.Encode(decodeErrorLine{Kind: "decode_error", Reason: reason, Error: err.Error(),
		Topic: r.Topic, Partition: r.Partition, Offset: r.Offset})
}

func typeName(r consumer.Record) string {
	return strings.ToLower(strings.TrimPrefix(r.Header.GetType().String(), "MESSAGE_TYPE_"))
}

// consume runs the consumer until the limit, the timeout or ctx, then prints the summary.
func consume(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	p := &printer{enc: json.NewEncoder(stdout), max: cfg.maxRecords, limit: stop,
		sum: summary{Kind: "summary", DecodeFailures: map[string]uint64{}}}
	for _, r := range consumer.Reasons {
		p.sum.DecodeFailures[r] = 0
	}
	reg := prometheus.NewRegistry()
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	c, err := newConsumer(ctx, cfg,
		consumer.OnRecord(p.record), consumer.OnDecodeError(p.decodeError),
		consumer.Logger(logger), consumer.Registerer(reg))
	if err != nil {
		return err
	}
	defer c.Close()
	if cfg.metricsAddr != "" {
		stopMetrics, bound, err := serveMetrics(cfg.metricsAddr, reg)
		if err != nil {
			return err
		}
		defer stopMetrics()
		logger.Info("metrics listening", "addr", bound)
	}
	start := time.Now()
	var timedOut bool
	if cfg.timeout > 0 {
		t := time.AfterFunc(cfg.timeout, func() {
			p.mu.Lock()
			timedOut = true
			p.mu.Unlock()
			stop()
		})
		defer t.Stop()
	}
	runErr := c.Run(runCtx)

	p.mu.Lock()
	defer p.mu.Unlock()
	p.sum.TimedOut = timedOut
	p.sum.ElapsedSeconds = math.Round(time.Since(start).Seconds()*1000) / 1000
	st := c.Stats()
	p.sum.DLQRecords, p.sum.DLQFailures = st.DLQRecords, st.DLQFailures
	_ = p.enc.Encode(p.sum)
	switch {
	case runErr != nil:
		return runErr
	case cfg.maxRecords > 0 && p.seen < cfg.maxRecords && timedOut:
		return fmt.Errorf("timed out after %s with %d of %d records", cfg.timeout, p.seen, cfg.maxRecords)
	}
	return nil
}

// serveMetrics serves GET /metrics of reg on addr until the returned function is called,
// and returns the address it bound (with port 0, the port the system picked).
func serveMetrics(addr string, reg *prometheus.Registry) (func(), string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", usageError{fmt.Errorf("listen on %s: %w: set -metrics-addr (METRICS_ADDR) to a free address, or port 0", addr, err)}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return func() { _ = srv.Close() }, l.Addr().String(), nil
}
