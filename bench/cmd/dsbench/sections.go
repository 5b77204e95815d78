package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/dashstream/acceptance/bench"
	"github.com/dashstream/acceptance/system/kafkalocal"
	"github.com/dashstream/acceptance/system/stack"
)

// newReport starts the report: machine, commit, kcat and franz-go versions, parameters.
func newReport(ctx context.Context, root string, f flags) *bench.Report {
	r := &bench.Report{Schema: bench.SchemaVersion, Started: time.Now().UTC(), Machine: bench.ReadMachine(ctx),
		Versions: map[string]string{}, Params: f.params(), Goals: bench.Goals(), Settings: bench.Settings()}
	var err error
	if r.Commit, r.Dirty, err = bench.GitCommit(ctx, root); err != nil {
		progress("harness commit unknown: %v", err)
	}
	if k, l, err := bench.KcatVersion(ctx); err != nil {
		r.Fail("kcat version", err)
	} else {
		r.Versions["kcat"], r.Versions["librdkafka"] = k, l
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/twmb/franz-go" {
				r.Versions["franz-go"] = d.Version
			}
		}
	}
	return r
}

// throughput runs the producer and consumer comparisons on one real Kafka broker (the
// local stack's, system/kafkalocal, without the stack's in-process proxy) and, for a
// reference client that falls short, adds the top of its CPU profile.
func throughput(ctx context.Context, r *bench.Report, root string, f flags) {
	progress("throughput: starting one real Kafka broker (system/kafkalocal, JIT %s)", f.jit)
	opts := []kafkalocal.Option{kafkalocal.Brokers(1), kafkalocal.Progress(logWriter{})}
	if f.jit == "full" {
		opts = append(opts, kafkalocal.JVMArgs("-XX:TieredStopAtLevel=4"), kafkalocal.Heap("1g"))
	}
	c, err := kafkalocal.Start(ctx, opts...)
	if err != nil {
		r.Fail("throughput: kafka", err)
		return
	}
	defer c.Close()
	r.Versions["kafka"] = "Apache Kafka " + c.Version()
	progress("throughput: %d runs of %d records per tool, %d-byte values", f.runs, f.records, f.valueBytes)
	res, err := bench.MeasureThroughput(ctx, c.Bootstrap(), bench.ThroughputSpec{
		Records: f.records, ValueBytes: f.valueBytes, Runs: f.runs, Warmup: f.warmup,
		Partitions: f.partitions, Threads: f.threads, Senders: f.senders, Log: logWriter{}})
	if err != nil {
		r.Fail("throughput", err)
		return
	}
	r.Add(res.Figures...)
	r.Judge()
	r.Profiles = map[string]string{}
	for _, g := range r.Goals {
		switch {
		case g.Met || g.Missing:
		case g.Figure == bench.FigProduceRatio && len(res.ProducerProfile) > 0:
			r.Profiles["producer"] = profileTop(ctx, f.outDir(root), r.Started, "producer", res.ProducerProfile)
		case g.Figure == bench.FigConsumeRatio && len(res.ConsumerProfile) > 0:
			r.Profiles["consumer"] = profileTop(ctx, f.outDir(root), r.Started, "consumer", res.ConsumerProfile)
		}
	}
}

// profileTop saves a CPU profile next to the reports and returns its go tool pprof -top.
func profileTop(ctx context.Context, dir string, started time.Time, client string, prof []byte) string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Sprintf("profile not saved: %v", err)
	}
	path := filepath.Join(dir, started.Format("20060102T150405Z")+"-"+client+".pprof")
	if err := os.WriteFile(path, prof, 0o644); err != nil {
		return fmt.Sprintf("profile not saved: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=25", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Sprintf("%s: go tool pprof: %v\n%s", path, err, out.String())
	}
	progress("%s CPU profile: %s", client, path)
	return filepath.Base(path) + "\n" + out.String()
}

// validator runs the sequence validator's micro-benchmarks.
func validator(ctx context.Context, r *bench.Report, root string, f flags) {
	progress("validator: go test -bench (count %d)", f.count)
	bs, err := bench.RunGoBench(ctx, root, "./reference/sequence", "^(BenchmarkObserve|BenchmarkMemoryPerThread)$", f.count)
	if err != nil {
		r.Fail("validator benchmarks", err)
		return
	}
	figs := bench.ValidatorFigures(bs)
	if len(figs) == 0 {
		r.Fail("validator benchmarks", fmt.Errorf("no BenchmarkObserve/BenchmarkMemoryPerThread result at 10k or 100k threads"))
	}
	r.Add(figs...)
}

// embedded measures alert latency and recovery on the embedded stack.
func embedded(ctx context.Context, r *bench.Report, f flags, only map[string]bool) {
	progress("embedded stack: starting (kfake, Prometheus, Alertmanager)")
	st, err := stack.Open(ctx, "embedded", stack.Progress(logWriter{}))
	if err != nil {
		r.Fail("embedded stack", err)
		return
	}
	defer closeStack(st)
	for k, v := range st.Versions() {
		if k == "kafka" {
			k = "kfake"
		}
		r.Versions[k] = v
	}
	if only["alert"] {
		progress("alert latency: %d repetitions", f.reps)
		figs, err := bench.MeasureAlert(ctx, st, bench.AlertSpec{Reps: f.reps, Log: logWriter{}})
		if err != nil {
			r.Fail("alert latency", err)
		}
		r.Add(figs...)
	}
	if only["recovery"] {
		progress("recovery: %d repetitions, outage %s", f.reps, f.outage)
		figs, err := bench.MeasureRecovery(ctx, st.Kafka(), bench.RecoverySpec{Reps: f.reps, Outage: f.outage, Log: logWriter{}})
		if err != nil {
			r.Fail("recovery", err)
		}
		r.Add(figs...)
	}
}

func closeStack(st stack.Stack) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := st.Close(ctx); err != nil {
		progress("closing the %s stack: %v", st.Name(), err)
	}
}
