package steps

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseSeriesIDSortsLabels(t *testing.T) {
	id, err := parseSeriesID(`dashstream_quality_score{tenant="acme",scope_id="run-1"}`)
	require.NoError(t, err)
	require.Equal(t, `dashstream_quality_score{scope_id="run-1",tenant="acme"}`, id)
	id, err = parseSeriesID(`dashstream_exporter_quality_series_evicted_total{}`)
	require.NoError(t, err)
	require.Equal(t, `dashstream_exporter_quality_series_evicted_total{}`, id)
	_, err = parseSeriesID(`no_braces`)
	require.Error(t, err)
}

func TestSeriesDiffNamesEveryDifference(t *testing.T) {
	want := map[string]typedValue{"a{}": {"counter", 1}, "b{}": {"gauge", 2}, "c{}": {"gauge", 3}}
	got := map[string]typedValue{"a{}": {"counter", 1}, "b{}": {"counter", 2}, "d{}": {"gauge", 4}}
	require.Equal(t, []string{
		"missing series c{} (expected gauge 3)",
		"series b{} is counter 2, expected gauge 2",
		"unexpected series d{} = gauge 4",
	}, seriesDiff(want, got))
	require.Empty(t, seriesDiff(want, want))
}
