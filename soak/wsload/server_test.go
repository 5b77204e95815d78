package wsload

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseMetrics(t *testing.T) {
	in := `# HELP dashstream_ws_dropped_frames_total x
# TYPE dashstream_ws_dropped_frames_total counter
dashstream_ws_dropped_frames_total{reason="queue_full"} 12
dashstream_ws_dropped_frames_total{reason="disconnected"} 0
dashstream_ws_connected_clients 500
go_goroutines 1040
dashstream_ws_e2e_latency_seconds_sum 1.5e+01
`
	got, err := parseMetrics(strings.NewReader(in), "dashstream_ws_")
	require.NoError(t, err)
	require.Equal(t, map[string]float64{
		`dashstream_ws_dropped_frames_total{reason="queue_full"}`:   12,
		`dashstream_ws_dropped_frames_total{reason="disconnected"}`: 0,
		"dashstream_ws_connected_clients":                           500,
		"dashstream_ws_e2e_latency_seconds_sum":                     15,
	}, got)
	_, err = parseMetrics(strings.NewReader("dashstream_ws_x notanumber\n"), "dashstream_ws_")
	require.Error(t, err)
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(*testing.T, options)
	}{
		{"defaults", nil, "", func(t *testing.T, o options) {
			require.Equal(t, 60*time.Second, o.duration)
			require.Equal(t, 15*time.Second, o.warmup)
			require.Equal(t, 500, o.clients)
			require.Equal(t, 10, o.slow)
		}},
		{"json and duration", []string{"-json", "x.json", "-duration", "30s"}, "", func(t *testing.T, o options) {
			require.Equal(t, "x.json", o.json)
			require.Equal(t, 7500*time.Millisecond, o.warmup)
		}},
		{"too short", []string{"-duration", "5s"}, "too short", nil},
		{"all slow", []string{"-clients", "10", "-slow", "10"}, "fast client", nil},
		{"stray argument", []string{"extra"}, "unexpected argument", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, o)
		})
	}
}
