package monitoring_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
)

// testCtx bounds a test; the first run may build Prometheus (minutes).
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// fakeConsumer serves a /metrics endpoint with the consumer's gap counter, exported at 0
// before any gap as the real exporter does.
type fakeConsumer struct {
	gaps *prometheus.CounterVec
	srv  *httptest.Server
}

func startFakeConsumer(t *testing.T) *fakeConsumer {
	t.Helper()
	reg := prometheus.NewRegistry()
	gaps := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dashstream_sequence_gaps_total", Help: "Sequence gaps detected by the consumer.",
	}, []string{"topic"})
	reg.MustRegister(gaps)
	gaps.WithLabelValues("events")
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &fakeConsumer{gaps: gaps, srv: srv}
}

func (c *fakeConsumer) hostPort() string { return strings.TrimPrefix(c.srv.URL, "http://") }

func startStack(t *testing.T, ctx context.Context, opts ...monitoring.PrometheusOption) *monitoring.Stack {
	t.Helper()
	st, err := monitoring.StartStack(ctx, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st
}

// waitForSample polls Prometheus until query returns at least one sample.
func waitForSample(t *testing.T, ctx context.Context, p *monitoring.Prometheus, query string) model.Vector {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		v, _, _, err := p.API().Query(ctx, query, time.Now())
		if vec, ok := v.(model.Vector); err == nil && ok && len(vec) > 0 {
			return vec
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no sample for %q before the deadline (last error: %v)", query, err)
		case <-tick.C:
		}
	}
}
