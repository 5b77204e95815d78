package bench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const goBenchOutput = `goos: linux
goarch: amd64
pkg: github.com/dashstream/acceptance/reference/sequence
cpu: Intel(R) Xeon(R) Processor
BenchmarkObserve/threads=1-2         	63184622	        18.92 ns/op	       0 B/op	       0 allocs/op
BenchmarkObserve/threads=10000-2     	32106512	        36.50 ns/op	       0 B/op	       0 allocs/op
BenchmarkObserve/threads=100000-2    	14577370	        81.25 ns/op	       1 B/op	       0 allocs/op
BenchmarkMemoryPerThread/threads=10000-2         	     100	  10480305 ns/op	        52.43 B/thread
BenchmarkMemoryPerThread/threads=100000-2        	      10	 105314507 ns/op	        48.10 B/thread
BenchmarkObserve/threads=10000-2     	30000000	        38.50 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	github.com/dashstream/acceptance/reference/sequence	12.345s
`

func TestParseGoBench(t *testing.T) {
	bs, err := ParseGoBench(strings.NewReader(goBenchOutput))
	require.NoError(t, err)
	require.Len(t, bs, 6)
	require.Equal(t, GoBench{Name: "BenchmarkObserve/threads=1", Iterations: 63184622,
		Metrics: map[string]float64{"ns/op": 18.92, "B/op": 0, "allocs/op": 0}}, bs[0])
	require.Equal(t, "BenchmarkMemoryPerThread/threads=100000", bs[4].Name)
	require.Equal(t, 48.10, bs[4].Metrics["B/thread"])
	require.Equal(t, []float64{36.50, 38.50}, Samples(bs, "BenchmarkObserve/threads=10000", "ns/op"))
	require.Empty(t, Samples(bs, "BenchmarkObserve/threads=10000", "MB/s"))
}

func TestParseGoBenchSkipsAndRejects(t *testing.T) {
	tests := []struct {
		name, in string
		want     int
		err      string
	}{
		{name: "no benchmarks", in: "PASS\nok x 0.1s\n", want: 0},
		{name: "name alone (-v)", in: "BenchmarkObserve\n", want: 0},
		{name: "failed benchmark", in: "BenchmarkObserve/threads=1-2 --- FAIL: got gap\n", want: 0},
		{name: "no suffix", in: "BenchmarkX 10 5 ns/op\n", want: 1},
		{name: "odd metrics", in: "BenchmarkX-2 10 5 ns/op 3\n", err: "not value/unit pairs"},
		{name: "bad number", in: "BenchmarkX-2 10 five ns/op\n", err: `"five" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs, err := ParseGoBench(strings.NewReader(tt.in))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, bs, tt.want)
		})
	}
}

func TestValidatorFigures(t *testing.T) {
	bs, err := ParseGoBench(strings.NewReader(goBenchOutput))
	require.NoError(t, err)
	figs := ValidatorFigures(bs)
	byName := map[string]Figure{}
	for _, f := range figs {
		byName[f.Name] = f
	}
	require.Len(t, byName, 7)
	require.Equal(t, 18.92, byName[FigObserve1].Median)
	require.Equal(t, 37.5, byName[FigObserve10k].Median)
	require.Equal(t, 38.5, byName[FigObserve10k].Max)
	require.Equal(t, []float64{81.25}, byName[FigObserve100k].Samples)
	require.Equal(t, 0.0, byName[FigAllocs100k].Max)
	require.Equal(t, "B/thread", byName[FigPerThread10k].Unit)
	require.Equal(t, 52.43, byName[FigPerThread10k].Median)
}
