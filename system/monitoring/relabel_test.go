package monitoring_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/sut"
)

// TestRelabelGivesContractNames scrapes, with a real Prometheus, a program that names a
// contract family its own way, through the relabelling a SUT profile generates: the
// selected series is queried by the contract's name and label, the others keep theirs.
func TestRelabelGivesContractNames(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	prof, err := sut.Parse([]byte(`
name: other
roles: {exporter: {command: other/bin/exporter}}
metrics:
  dashstream_decode_failures_total: {name: other_failed_total, select: {error_type: decode}, labels: {reason: kind}}
`))
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte("# TYPE other_failed_total counter\n" +
			"other_failed_total{error_type=\"decode\",kind=\"framing\"} 3\n" +
			"other_failed_total{error_type=\"parse\",kind=\"json\"} 5\n"))
	}))
	t.Cleanup(srv.Close)

	p, err := monitoring.StartPrometheus(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	require.NoError(t, p.SetScrapeJobs(ctx, monitoring.ScrapeJob{Name: "other", Targets: []string{strings.TrimPrefix(srv.URL, "http://")},
		MetricRelabel: prof.Relabel(sut.Exporter)}))

	wait := testCtx(t, 30*time.Second)
	vec := waitForSample(t, wait, p, `dashstream_decode_failures_total{reason="framing"}`)
	require.Len(t, vec, 1)
	require.Equal(t, model.SampleValue(3), vec[0].Value, "the selected series, under the contract's name and label")
	vec = waitForSample(t, wait, p, `count(dashstream_decode_failures_total)`)
	require.Equal(t, model.SampleValue(1), vec[0].Value, "only the selected series is renamed")
	vec = waitForSample(t, wait, p, `other_failed_total{error_type="parse"}`)
	require.Equal(t, model.SampleValue(5), vec[0].Value, "the others keep the program's own name")
}
