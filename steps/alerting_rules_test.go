package steps

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/sut"
	"github.com/dashstream/acceptance/system/tools"
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

// TestExporterLacks reads the selectors of the production rules, as Prometheus parses
// them, against the profiles: DashFlow's exporter has decode failures without a reason,
// no lag per group and no seconds histogram, so those alerts skip for it; the reference
// lacks nothing.
func TestExporterLacks(t *testing.T) {
	root, err := tools.RepoRoot()
	require.NoError(t, err)
	dashflow, err := sut.Load(root, "dashflow")
	require.NoError(t, err)
	reference, err := sut.Load(root, "reference")
	require.NoError(t, err)
	received := monitoring.Selector{Name: "dashstream_messages_received_total"}
	decode := monitoring.Selector{Name: "dashstream_decode_failures_total"}
	decompress := monitoring.Selector{Name: "dashstream_decode_failures_total", Matchers: []monitoring.Matcher{{Name: "reason", Type: "=", Value: "decompress"}}}
	lag := monitoring.Selector{Name: "dashstream_consumer_lag_records"}
	latency := monitoring.Selector{Name: "dashstream_e2e_latency_seconds_bucket"}
	up := monitoring.Selector{Name: "up", Matchers: []monitoring.Matcher{{Name: "job", Type: "=", Value: "dashstream-exporter"}}}

	for _, sels := range [][]monitoring.Selector{{decode, received}, {up}} {
		require.NoError(t, exporterLacks(dashflow, sels), "%v", sels)
	}
	for _, tc := range []struct {
		sels []monitoring.Selector
		want string
	}{
		{[]monitoring.Selector{decompress, received}, "label reason of dashstream_decode_failures_total"},
		{[]monitoring.Selector{lag}, "dashstream_consumer_lag_records"},
		{[]monitoring.Selector{latency}, "dashstream_e2e_latency_seconds"},
	} {
		err := exporterLacks(dashflow, tc.sels)
		require.True(t, sut.IsMissing(err), "%v: %v", tc.sels, err)
		require.ErrorContains(t, err, tc.want)
	}
	require.NoError(t, exporterLacks(reference, []monitoring.Selector{decompress, received, lag, latency, up}))
}
