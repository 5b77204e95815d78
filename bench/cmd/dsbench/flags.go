package main

import (
	"flag"
	"path/filepath"
	"strings"
	"time"
)

// flags are dsbench's command-line flags; the defaults are the figures.
type flags struct {
	records, runs, reps, warmup, valueBytes int
	sideRecords                             int
	sutProfiles                             string
	partitions, threads, senders, count     int
	outage                                  time.Duration
	out, only, jit                          string
}

// outDir is -out, relative to the repository root unless absolute.
func (f *flags) outDir(root string) string {
	if filepath.IsAbs(f.out) {
		return f.out
	}
	return filepath.Join(root, f.out)
}

func (f *flags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.records, "records", 500_000, "records per throughput run and tool")
	fs.IntVar(&f.runs, "runs", 3, "throughput runs per tool (alternating; the median is reported)")
	fs.IntVar(&f.reps, "reps", 10, "repetitions of the alert-latency and recovery measurements")
	fs.IntVar(&f.warmup, "warmup", 20_000, "records each producer writes to a warm-up topic first (0: default, -1: none)")
	fs.IntVar(&f.valueBytes, "value-bytes", 1024, "record value size in bytes")
	fs.IntVar(&f.partitions, "partitions", 3, "partitions of every throughput topic")
	fs.IntVar(&f.threads, "threads", 64, "distinct thread ids (record keys) in the throughput runs")
	fs.IntVar(&f.senders, "senders", 1, "goroutines calling the reference producer's SendAsync")
	fs.IntVar(&f.count, "bench-count", 5, "go test -count for the validator micro-benchmarks")
	fs.DurationVar(&f.outage, "outage", 2*time.Second, "how long the broker stays down in each recovery repetition")
	fs.StringVar(&f.out, "out", "reports/bench", "directory of the JSON reports (relative to the repository root)")
	fs.StringVar(&f.jit, "broker-jit", "full", "throughput broker's JIT: full (C2, 1 GiB heap) or c1 (the harness's start-up-tuned default)")
	fs.StringVar(&f.only, "only", "throughput,validator,alert,recovery,side", "comma list of the sections to run")
	fs.IntVar(&f.sideRecords, "side-records", 200_000, "records the side-by-side section's servers read")
	fs.StringVar(&f.sutProfiles, "sut-profiles", "reference,dashflow", "SUT profiles whose WebSocket servers the side-by-side section measures")
}

// sections returns the set of sections -only names.
func (f *flags) sections() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Split(f.only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}

// params returns the flags for the report.
func (f *flags) params() map[string]any {
	return map[string]any{
		"records": f.records, "runs": f.runs, "reps": f.reps, "warmup": f.warmup,
		"value_bytes": f.valueBytes, "partitions": f.partitions, "threads": f.threads,
		"senders": f.senders, "bench_count": f.count, "outage": f.outage.String(), "only": f.only, "broker_jit": f.jit,
	}
}
