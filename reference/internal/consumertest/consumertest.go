// Package consumertest runs a reference consumer inside a test: it records every
// callback, captures the logs, owns a Prometheus registry, and stops the consumer when
// the test ends (waiting for Run to return).
//
// Waits poll the consumer's Stats with a deadline and fail the test when it passes.
package consumertest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
)

// Run is a running consumer and what it reported.
type Run struct {
	C    *consumer.Consumer
	Reg  *prometheus.Registry
	Logs *Logs

	mu         sync.Mutex
	records    []consumer.Record
	decodeErrs []error
	done       chan error
}

// Start creates a consumer on addrs with opts (after its own recording, logging and
// registry options, so opts can override them) and runs it until the test ends.
func Start(t testing.TB, addrs []string, opts ...consumer.Opt) *Run {
	t.Helper()
	r := &Run{Reg: prometheus.NewRegistry(), Logs: &Logs{}, done: make(chan error, 1)}
	base := []consumer.Opt{
		consumer.Brokers(addrs...),
		consumer.Registerer(r.Reg),
		consumer.Logger(slog.New(r.Logs.Handler())),
		consumer.OnRecord(func(_ context.Context, rec consumer.Record) {
			r.mu.Lock()
			r.records = append(r.records, rec)
			r.mu.Unlock()
		}),
		consumer.OnDecodeError(func(_ context.Context, _ *kgo.Record, err error) {
			r.mu.Lock()
			r.decodeErrs = append(r.decodeErrs, err)
			r.mu.Unlock()
		}),
	}
	c, err := consumer.New(append(base, opts...)...)
	require.NoError(t, err)
	r.C = c
	ctx, cancel := context.WithCancel(context.Background())
	go func() { r.done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.done:
			require.NoError(t, err, "consumer Run")
		case <-time.After(15 * time.Second):
			t.Error("consumer Run did not return within 15 s of its context ending")
		}
		c.Close()
	})
	return r
}

// Records returns a copy of the records handed to OnRecord so far, in arrival order.
func (r *Run) Records() []consumer.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]consumer.Record(nil), r.records...)
}

// DecodeErrors returns a copy of the errors handed to OnDecodeError so far.
func (r *Run) DecodeErrors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.decodeErrs...)
}

// WaitStats polls Stats until cond holds, failing the test after timeout with what
// and the last Stats.
func (r *Run) WaitStats(t testing.TB, timeout time.Duration, what string, cond func(consumer.Stats) bool) consumer.Stats {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s := r.C.Stats()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out waiting for the consumer", "%s within %s; stats: %+v", what, timeout, s)
		}
		<-tick.C
	}
}

// WaitReceived waits until n messages were decoded.
func (r *Run) WaitReceived(t testing.TB, n uint64, timeout time.Duration) consumer.Stats {
	t.Helper()
	return r.WaitStats(t, timeout, "received messages", func(s consumer.Stats) bool { return s.Received >= n })
}

// Metric returns the value of the metric name whose labels include labels: a counter's
// or gauge's value, a histogram's sample count. It fails the test when there is none.
func (r *Run) Metric(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := r.Reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
	}
	require.FailNow(t, "metric not found", "%s%v", name, labels)
	return 0
}

func matches(m *dto.Metric, labels map[string]string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for k, v := range labels {
		if have[k] != v {
			return false
		}
	}
	return true
}
