package steps

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRuleQueryParts reads selectors and thresholds from queries as Prometheus prints them.
func TestRuleQueryParts(t *testing.T) {
	for _, tc := range []struct {
		q, threshold string
		selectors    []string
	}{
		{`sum by (job, topic) (increase(dashstream_sequence_gaps_total[5s])) > 0`, "> 0",
			[]string{"dashstream_sequence_gaps_total"}},
		{"(sum by (job) (rate(dashstream_decode_failures_total{reason=\"decompress\"}[5s])) / (sum by (job) (rate(dashstream_messages_received_total[5s])) > 0)) > 0.01",
			"> 0.01", []string{`dashstream_decode_failures_total{reason="decompress"}`, "dashstream_messages_received_total"}},
		{"histogram_quantile(0.99, sum by (job, le) (rate(dashstream_e2e_latency_seconds_bucket[5s]))) > 0.5", "> 0.5",
			[]string{"dashstream_e2e_latency_seconds_bucket"}},
		{"up == 0", "== 0", []string{"up"}},
		{"x > bool 1e3", "> 1e3", []string{"x"}},
		{"rate(x[5m])", "", []string{"x"}},
	} {
		require.Equal(t, tc.threshold, threshold(tc.q), tc.q)
		require.Equal(t, tc.selectors, selectors(tc.q), tc.q)
	}
	require.Equal(t, []string{"5s"}, windows("rate(a[5s]) / rate(b[ 5s ])"))
	require.Equal(t, []string{}, windows("up == 0"))
	require.True(t, sameThreshold("> 1000", "> 1e3"))
	require.False(t, sameThreshold("> 10000", "> 1000"))
	require.False(t, sameThreshold(">= 1000", "> 1000"))
	require.False(t, sameThreshold("", "> 1000"))
}

func TestSelectorParts(t *testing.T) {
	name, labels := selectorParts(`dashstream_decode_failures_total{reason="decompress",job!~"x"}`)
	require.Equal(t, "dashstream_decode_failures_total", name)
	require.Equal(t, []string{"reason", "job"}, labels)
	name, labels = selectorParts("dashstream_e2e_latency_seconds_bucket")
	require.Equal(t, "dashstream_e2e_latency_seconds_bucket", name)
	require.Empty(t, labels)
}
