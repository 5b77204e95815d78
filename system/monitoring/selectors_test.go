package monitoring_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
)

// TestParseSelectorsWithPrometheusOwnParser asks a real Prometheus to parse expressions
// of the shape the production rules have: every series read, in ranges, in function
// arguments and on both sides of an operator, with its matchers; numbers, functions and
// grouping labels are not series; a bad expression is Prometheus's error.
func TestParseSelectorsWithPrometheusOwnParser(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	p, err := monitoring.StartPrometheus(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })

	sels, err := monitoring.ParseSelectors(ctx, p.URL(),
		`sum by (job) (rate(dashstream_decode_failures_total{reason="decompress",job!~"x.*"}[5m])) / sum by (job) (rate(dashstream_messages_received_total[5m])) > 1e-2 and on() up == 1`)
	require.NoError(t, err)
	require.ElementsMatch(t, []monitoring.Selector{
		{Name: "dashstream_decode_failures_total", Matchers: []monitoring.Matcher{{Name: "reason", Type: "=", Value: "decompress"}, {Name: "job", Type: "!~", Value: "x.*"}}},
		{Name: "dashstream_messages_received_total"},
		{Name: "up"},
	}, sels)

	sels, err = monitoring.ParseSelectors(ctx, p.URL(), `histogram_quantile(0.99, sum by (le) (rate(dashstream_e2e_latency_seconds_bucket[1m]))) > 5`)
	require.NoError(t, err)
	require.Equal(t, []monitoring.Selector{{Name: "dashstream_e2e_latency_seconds_bucket"}}, sels)

	_, err = monitoring.ParseSelectors(ctx, p.URL(), `sum(rate(x[5m])`)
	require.ErrorContains(t, err, "could not parse")
}

func TestParseSelectorsSaysWhenPrometheusLacksTheEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, err := monitoring.ParseSelectors(t.Context(), srv.URL, "up")
	require.ErrorContains(t, err, "has no /api/v1/parse_query")
}
