package bench

// Figure names of the validator micro-benchmarks and the embedded-stack measurements.
const (
	FigObserve1       = "validator.observe.1"
	FigObserve10k     = "validator.observe.10k"
	FigObserve100k    = "validator.observe.100k"
	FigAllocs10k      = "validator.allocs.10k"
	FigAllocs100k     = "validator.allocs.100k"
	FigPerThread10k   = "validator.bytes_per_thread.10k"
	FigPerThread100k  = "validator.bytes_per_thread.100k"
	FigAlertLatency   = "alert.latency"
	FigAlertFloor     = "alert.floor"
	FigAlertOverFloor = "alert.over_floor"
	FigRecoveryAck    = "recovery.first_ack"
	FigRecoveryRecord = "recovery.first_record"
)

// Goals returns the targets. Throughput ratios and the validator's time are
// judged on the median of their runs; allocations, memory, alert latency and recovery
// on the maximum, since every repetition must meet them.
func Goals() []Goal {
	return []Goal{
		{Name: "producer ≥ 1.2× kcat", Figure: FigProduceRatio, Stat: StatMedian, AtLeast: true, Target: 1.2},
		{Name: "consumer ≥ 1.0× kcat", Figure: FigConsumeRatio, Stat: StatMedian, AtLeast: true, Target: 1.0},
		{Name: "Observe ≤ 50 ns/record, 10k threads", Figure: FigObserve10k, Stat: StatMedian, Target: 50},
		{Name: "Observe ≤ 50 ns/record, 100k threads", Figure: FigObserve100k, Stat: StatMedian, Target: 50},
		{Name: "Observe 0 allocs, 10k threads", Figure: FigAllocs10k, Stat: StatMax, Target: 0},
		{Name: "Observe 0 allocs, 100k threads", Figure: FigAllocs100k, Stat: StatMax, Target: 0},
		{Name: "≤ 200 B per thread, 10k threads", Figure: FigPerThread10k, Stat: StatMax, Target: 200},
		{Name: "≤ 200 B per thread, 100k threads", Figure: FigPerThread100k, Stat: StatMax, Target: 200},
		{Name: "alert ≤ 2 s over the floor", Figure: FigAlertOverFloor, Stat: StatMax, Target: 2},
		{Name: "first ack ≤ 5 s after the broker returns", Figure: FigRecoveryAck, Stat: StatMax, Target: 5},
		{Name: "first record ≤ 5 s after the broker returns", Figure: FigRecoveryRecord, Stat: StatMax, Target: 5},
	}
}

// ValidatorFigures turns the output of BenchmarkObserve and BenchmarkMemoryPerThread
// (reference/sequence) into figures; a benchmark missing from bs gives no figure.
func ValidatorFigures(bs []GoBench) []Figure {
	specs := []struct{ fig, bench, unit, note string }{
		{FigObserve1, "BenchmarkObserve/threads=1", "ns/op", "one thread: the call's floor, shows CPU contention"},
		{FigObserve10k, "BenchmarkObserve/threads=10000", "ns/op", "Observe, steady state, round-robin"},
		{FigObserve100k, "BenchmarkObserve/threads=100000", "ns/op", "Observe, steady state, round-robin"},
		{FigAllocs10k, "BenchmarkObserve/threads=10000", "allocs/op", ""},
		{FigAllocs100k, "BenchmarkObserve/threads=100000", "allocs/op", ""},
		{FigPerThread10k, "BenchmarkMemoryPerThread/threads=10000", "B/thread", "live heap after GC / threads"},
		{FigPerThread100k, "BenchmarkMemoryPerThread/threads=100000", "B/thread", "live heap after GC / threads"},
	}
	var out []Figure
	for _, s := range specs {
		if xs := Samples(bs, s.bench, s.unit); len(xs) > 0 {
			out = append(out, NewFigure(s.fig, s.unit, s.note, xs...))
		}
	}
	return out
}
