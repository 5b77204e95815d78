package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    memStatus
		wantErr string
	}{
		{"both", "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads: 3\n", memStatus{RSS: 1 << 20, HWM: 2 << 20}, ""},
		{"zombie", "Name:\tx\nState:\tZ (zombie)\n", memStatus{}, "missing"},
		{"bad unit", "VmHWM:\t2 MB\nVmRSS:\t1 kB\n", memStatus{}, "not"},
		{"bad number", "VmHWM:\tx kB\nVmRSS:\t1 kB\n", memStatus{}, "VmHWM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatus(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// series returns samples every second from 0 to 60 s with rss(at).
func series(rss func(at float64) int64) []MemSample {
	var out []MemSample
	for at := 0.0; at <= 60; at++ {
		out = append(out, MemSample{At: at, RSS: rss(at)})
	}
	return out
}

func TestCheckMemory(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name    string
		samples []MemSample
		ok      bool
	}{
		{"plateau after warm-up", series(func(at float64) int64 { return int64(min(at, 10) * 5 * mb) }), true},
		{"noise within 16 MiB", series(func(at float64) int64 { return int64(50*mb + int64(at)%7*2*mb) }), true},
		{"leak of 1 MiB/s", series(func(at float64) int64 { return int64(50*mb + at*mb) }), false},
		{"step up late", series(func(at float64) int64 {
			if at > 50 {
				return 200 * mb
			}
			return 100 * mb
		}), false},
		{"a quarter more of a big heap is allowed", series(func(at float64) int64 {
			if at > 50 {
				return 240 * mb
			}
			return 200 * mb
		}), true},
		{"too few samples", []MemSample{{At: 20, RSS: mb}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := checkMemory(tc.samples, 15, 60)
			require.Equal(t, tc.ok, b.OK, b.Detail)
			require.NotEmpty(t, b.Detail)
		})
	}
}

func TestSlope(t *testing.T) {
	require.InDelta(t, 2.0, slope([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7}), 1e-9)
	require.Zero(t, slope([]float64{1, 1}, []float64{1, 5}))
}
