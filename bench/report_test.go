package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMedianMax(t *testing.T) {
	tests := []struct {
		in          []float64
		median, max float64
	}{
		{in: []float64{3}, median: 3, max: 3},
		{in: []float64{5, 1, 3}, median: 3, max: 5},
		{in: []float64{4, 1, 3, 2}, median: 2.5, max: 4},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.in...)
		require.Equal(t, tt.median, Median(tt.in))
		require.Equal(t, tt.max, Max(tt.in))
		require.Equal(t, in, tt.in, "inputs are not reordered")
	}
	require.True(t, math.IsNaN(Median(nil)))
	require.True(t, math.IsNaN(Max(nil)))
	require.Equal(t, []float64{1.5, 0.25}, Seconds([]time.Duration{1500 * time.Millisecond, 250 * time.Millisecond}))
}

func TestJudge(t *testing.T) {
	r := &Report{
		Figures: []Figure{
			NewFigure("ratio", "x", "", 1.3, 1.1, 1.25),
			NewFigure("latency", "s", "", 0.5, 2.5, 1),
			NewFigure("allocs", "allocs/op", "", 0, 0),
			NewFigure("empty", "s", ""),
		},
		Goals: []Goal{
			{Name: "ratio", Figure: "ratio", Stat: StatMedian, AtLeast: true, Target: 1.2},
			{Name: "ratio high", Figure: "ratio", Stat: StatMedian, AtLeast: true, Target: 1.3},
			{Name: "latency median", Figure: "latency", Stat: StatMedian, Target: 2},
			{Name: "latency max", Figure: "latency", Stat: StatMax, Target: 2},
			{Name: "allocs", Figure: "allocs", Stat: StatMax, Target: 0},
			{Name: "absent", Figure: "absent", Stat: StatMedian, Target: 1},
			{Name: "empty", Figure: "empty", Stat: StatMax, Target: 1},
		},
	}
	r.Judge()
	got := map[string]string{}
	for _, g := range r.Goals {
		got[g.Name] = g.Verdict()
	}
	require.Equal(t, map[string]string{
		"ratio": "met", "ratio high": "SHORT", "latency median": "met", "latency max": "SHORT",
		"allocs": "met", "absent": "not measured", "empty": "not measured",
	}, got)
	require.Equal(t, 1.25, r.Goals[0].Value)
	require.Equal(t, 2.5, r.Goals[3].Value)
}

func sampleReport() *Report {
	r := &Report{
		Schema:   SchemaVersion,
		Started:  time.Date(2026, 11, 28, 15, 4, 5, 0, time.UTC),
		Finished: time.Date(2026, 11, 28, 15, 9, 0, 0, time.UTC),
		Machine:  Machine{CPU: "AMD EPYC", Cores: 2, MemoryBytes: 8 << 30, GoVersion: "go1.26.8", Kernel: "6.1.0", OSArch: "linux/amd64", LoadStart: "1.00 0.50 0.20"},
		Versions: map[string]string{"kafka": "Apache Kafka 4.4.0", "kcat": "1.7.1", "librdkafka": "2.0.2"},
		Commit:   "0123456789abcdef0123",
		Params:   map[string]any{"records": 1000},
		Goals:    Goals(),
	}
	r.Add(NewFigure(FigProduceRatio, "x", "median reference / median kcat", 1.5),
		NewFigure(FigAlertOverFloor, "s", "", 0.2, 2.4))
	r.Fail("recovery", errors.New("broker did not return"))
	r.Judge()
	return r
}

func TestWriteJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports", "bench")
	r := sampleReport()
	path, err := r.Write(dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "20261128T150405Z.json"), path)
	stamped, err := os.ReadFile(path)
	require.NoError(t, err)
	latest, err := os.ReadFile(filepath.Join(dir, "latest.json"))
	require.NoError(t, err)
	require.Equal(t, stamped, latest)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), info.Mode().Perm())

	var back Report
	require.NoError(t, json.Unmarshal(stamped, &back))
	require.Equal(t, r.Versions, back.Versions)
	require.Equal(t, r.Figures, back.Figures)
	require.Equal(t, r.Goals, back.Goals)
	require.Equal(t, r.Failures, back.Failures)
	require.Equal(t, r.Machine, back.Machine)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(stamped, &raw))
	for _, key := range []string{"schema", "started", "machine", "versions", "commit", "params", "figures", "goals", "failures"} {
		require.Contains(t, raw, key)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "no temporary file is left behind")
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteTable(&b))
	out := b.String()
	for _, want := range []string{
		"commit 0123456789ab",
		"AMD EPYC, 2 cores, 8.0 GiB, go1.26.8, kernel 6.1.0",
		"kafka         Apache Kafka 4.4.0",
		"producer.ratio",
		"0.200 2.40",
		"producer ≥ 1.2× kcat",
		"met",
		"alert ≤ 2 s over the floor",
		"SHORT",
		"not measured",
		"FAILED: recovery: broker did not return",
	} {
		require.Contains(t, out, want)
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{in: 123456.7, want: "123457"},
		{in: 42.25, want: "42.2"},
		{in: 1.234, want: "1.23"},
		{in: 0.4567, want: "0.457"},
		{in: -0.5, want: "-0.500"},
		{in: math.NaN(), want: "-"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, num(tt.in))
	}
}

func TestProfileSummary(t *testing.T) {
	top := "x-producer.pprof\nFile: dsbench\nType: cpu\nDuration: 2.40s, Total samples = 820ms (34.20%)\n" +
		"Showing nodes accounting for 670ms\n      flat  flat%   sum%        cum   cum%\n" +
		"      80ms  9.76%  9.76%      380ms 46.34%  wire.(*Encoder).Encode\n" +
		"      60ms  7.32% 17.07%       60ms  7.32%  runtime.asyncPreempt\n" +
		"      50ms  6.10% 23.17%       50ms  6.10%  protowire.AppendVarint\n"
	got := profileSummary(top, 2)
	require.Equal(t, "x-producer.pprof\nDuration: 2.40s, Total samples = 820ms (34.20%)\n"+
		"      flat  flat%   sum%        cum   cum%\n"+
		"      80ms  9.76%  9.76%      380ms 46.34%  wire.(*Encoder).Encode\n"+
		"      60ms  7.32% 17.07%       60ms  7.32%  runtime.asyncPreempt", got)
}
