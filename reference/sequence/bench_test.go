package sequence

import (
	"fmt"
	"runtime"
	"testing"
)

// threadNames returns n distinct thread ids, built before any measurement.
func threadNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("thread-%08d", i)
	}
	return names
}

// BenchmarkObserve measures Observe in steady state: every thread tracked, every
// sequence the expected one (verdict OK), threads visited round-robin.
func BenchmarkObserve(b *testing.B) {
	for _, n := range []int{1, 10_000, 100_000} {
		b.Run(fmt.Sprint("threads=", n), func(b *testing.B) {
			names := threadNames(n)
			seqs := make([]uint64, n)
			v := NewValidator()
			for i, name := range names {
				seqs[i] = 1
				v.Observe("tenant-a", name, 1)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				seqs[i]++
				if r := v.Observe("tenant-a", names[i], seqs[i]); r.Verdict != OK {
					b.Fatalf("thread %d seq %d: got %v, want ok", i, seqs[i], r.Verdict)
				}
				if i++; i == n {
					i = 0
				}
			}
		})
	}
}

// BenchmarkMemoryPerThread reports the live heap a Validator holds per tracked thread
// ("B/thread"), measured with runtime.MemStats around building one with N threads. The
// thread names are built before and are not retained by the Validator.
func BenchmarkMemoryPerThread(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("threads=", n), func(b *testing.B) {
			names := threadNames(n)
			var perThread float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				v := NewValidator(MaxThreads(n))
				for _, name := range names {
					v.Observe("tenant-a", name, 1)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				if v.Tracked() != n {
					b.Fatalf("tracked %d threads, want %d", v.Tracked(), n)
				}
				runtime.KeepAlive(v)
				perThread = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
			}
			runtime.KeepAlive(names)
			b.ReportMetric(perThread, "B/thread")
		})
	}
}
