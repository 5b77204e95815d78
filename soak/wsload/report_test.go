package wsload

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	require.Equal(t, 5.0, percentile(xs, .5))
	require.Equal(t, 10.0, percentile(xs, .99))
	require.Equal(t, 1.0, percentile(xs, 0))
	require.Zero(t, percentile(nil, .5))
}

func TestLagFigures(t *testing.T) {
	var s []lagSample
	for i := range 60 {
		s = append(s, lagSample{At: float32(i), LagMs: float32(i / 10)})
	}
	s = append(s, lagSample{At: 61, LagMs: 100}) // drained after the window: last slice
	l := lagFigures(s, 60.0001, 10)
	require.Len(t, l.Slices, 6)
	require.Equal(t, 61, l.Samples)
	require.Equal(t, 100.0, l.Max)
	require.Equal(t, 0.0, l.Slices[0].P99)
	require.Equal(t, 11, l.Slices[5].N)
	require.Equal(t, 100.0, l.Slices[5].P99)
}

func good() *Result {
	r := &Result{Config: Config{Tenants: 5, RatePerTenant: 20, WarmupS: 15}}
	r.Produced = Produced{Acked: 6000, RatePerS: 100}
	r.Delivery = Delivery{FastClients: 490, FramesTotal: 590000}
	r.Memory = MemoryBound{OK: true, Detail: "flat"}
	r.Server.Alive = true
	r.Lag.Slices = []LagSlice{{FromS: 0, ToS: 15, N: 10, P99: 30}, {FromS: 15, ToS: 30, N: 10, P99: 20}, {FromS: 30, ToS: 60, N: 10, P99: 80}}
	return r
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Result)
		ok     bool
		failed string
	}{
		{"all good", func(*Result) {}, true, ""},
		{"cross tenant", func(r *Result) { r.Delivery.CrossTenant = 1 }, false, "cross_tenant"},
		{"malformed", func(r *Result) { r.Delivery.Malformed = 2 }, false, "malformed"},
		{"fast missing", func(r *Result) { r.Delivery.FastMissing = 3 }, false, "miss no acked"},
		{"fast ended early", func(r *Result) { r.Delivery.FastEndedEarly = 1 }, false, "miss no acked"},
		{"nothing delivered", func(r *Result) { r.Delivery.FramesTotal = 0 }, false, "got frames"},
		{"memory", func(r *Result) { r.Memory.OK = false }, false, "memory"},
		{"server crashed", func(r *Result) { r.Server.Alive, r.Server.Exit = false, "exit status 2" }, false, "alive"},
		{"lag goal missed is not a failure", func(r *Result) { r.Lag.Slices[2].P99 = 500 }, true, ""},
		{"rate goal missed is not a failure", func(r *Result) { r.Produced.RatePerS = 10 }, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.mutate(r)
			evaluate(r)
			require.Equal(t, tc.ok, r.OK)
			var failed []string
			for _, c := range r.Invariants {
				if !c.OK {
					failed = append(failed, c.Name)
				}
			}
			if tc.failed == "" {
				require.Empty(t, failed)
			} else {
				require.Len(t, failed, 1)
				require.Contains(t, failed[0], tc.failed)
			}
			var out bytes.Buffer
			printSummary(&out, r)
			require.Equal(t, tc.ok, !strings.Contains(out.String(), "FAIL"))
		})
	}
}

func TestEvaluateGoals(t *testing.T) {
	r := good()
	evaluate(r)
	require.Len(t, r.Goals, 2)
	require.True(t, r.Goals[0].OK, r.Goals[0].Detail) // 80 <= 2*20+50
	r.Lag.Slices[2].P99 = 91
	evaluate(r)
	require.False(t, r.Goals[0].OK, r.Goals[0].Detail)
	require.Contains(t, r.Goals[0].Detail, "over 1 earlier slices")
}

func TestLagBaseline(t *testing.T) {
	sl := func(from, p99 float64, n int) LagSlice { return LagSlice{FromS: from, ToS: from + 10, N: n, P99: p99} }
	tests := []struct {
		name   string
		slices []LagSlice
		want   float64
		n      int
		ok     bool
	}{
		// The measured run of 2026-11-28: the first slice after the warm-up was the
		// quietest; the median is not fooled by it.
		{"median of the slices after warm-up, last excluded",
			[]LagSlice{sl(0, 251.7, 9), sl(10, 370.9, 9), sl(20, 168.7, 9), sl(30, 207.1, 9), sl(40, 393.7, 9), sl(50, 423.4, 9)},
			207.1, 3, true},
		{"even count averages the middle two",
			[]LagSlice{sl(0, 10, 1), sl(20, 30, 1), sl(30, 50, 1), sl(40, 99, 1)}, 40, 2, true},
		{"none after warm-up: all earlier slices", []LagSlice{sl(0, 10, 1), sl(10, 30, 1)}, 10, 1, true},
		{"empty slices are skipped", []LagSlice{sl(0, 10, 1), sl(20, 0, 0), sl(30, 20, 1), sl(40, 0, 0)}, 10, 1, true},
		{"a single slice has no baseline", []LagSlice{sl(0, 10, 1)}, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n, ok := lagBaseline(tc.slices, 15)
			require.Equal(t, tc.ok, ok)
			require.InDelta(t, tc.want, got, 1e-9)
			require.Equal(t, tc.n, n)
		})
	}
}
