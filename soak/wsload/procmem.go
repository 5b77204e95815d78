package wsload

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dashstream/acceptance/system/proc"
)

// MemSample is one VmRSS sample of the server, At seconds after the window opened
// (negative: before it).
type MemSample struct {
	At  float64 `json:"at_s"`
	RSS int64   `json:"rss_bytes"`
}

// sampler records the server's VmRSS every interval and its last VmHWM.
type sampler struct {
	pid   int
	start time.Time

	mu      sync.Mutex
	samples []MemSample
	hwm     int64
	err     error
}

// run samples until ctx ends.
func (s *sampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *sampler) sample() {
	m, err := proc.ReadMem(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
		return
	}
	s.samples = append(s.samples, MemSample{At: time.Since(s.start).Seconds(), RSS: m.RSS})
	s.hwm = m.HWM
}

// snapshot returns the samples so far, the last VmHWM and the last read error.
func (s *sampler) snapshot() ([]MemSample, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]MemSample(nil), s.samples...), s.hwm, s.err
}

// MemoryBound is the verdict of the memory invariant: see the package doc.
type MemoryBound struct {
	Rule           string  `json:"rule"`
	WarmupSeconds  float64 `json:"warmup_s"`
	FirstHalfPeak  int64   `json:"first_half_peak_bytes"`
	SecondHalfPeak int64   `json:"second_half_peak_bytes"`
	Growth         int64   `json:"growth_bytes"`
	AllowedGrowth  int64   `json:"allowed_growth_bytes"`
	SlopePerMinute int64   `json:"slope_bytes_per_min"`
	OK             bool    `json:"ok"`
	Detail         string  `json:"detail"`
}

// Memory bound constants: growth between the halves of the measured part of the window
// may be at most max(minAllowedGrowth, growthFraction × the first half's peak).
const (
	minAllowedGrowth = 16 << 20
	growthFraction   = 0.25
)

// checkMemory applies the bound to the samples taken in [warmup, window]: the peak RSS
// of the second half may exceed that of the first half by at most the allowed growth.
// Fewer than 4 samples in that range is a failed check (nothing was measured).
func checkMemory(samples []MemSample, warmup, window float64) MemoryBound {
	b := MemoryBound{
		Rule: fmt.Sprintf("peak VmRSS of the 2nd half of [%.0fs, %.0fs] <= peak of the 1st half + max(%d MiB, %.0f%%)",
			warmup, window, minAllowedGrowth>>20, growthFraction*100),
		WarmupSeconds: warmup,
	}
	mid := warmup + (window-warmup)/2
	var n1, n2 int
	var xs, ys []float64
	for _, s := range samples {
		switch {
		case s.At < warmup || s.At > window:
			continue
		case s.At < mid:
			n1++
			b.FirstHalfPeak = max(b.FirstHalfPeak, s.RSS)
		default:
			n2++
			b.SecondHalfPeak = max(b.SecondHalfPeak, s.RSS)
		}
		xs, ys = append(xs, s.At), append(ys, float64(s.RSS))
	}
	if n1 < 2 || n2 < 2 {
		b.Detail = fmt.Sprintf("too few samples after warm-up (%d and %d): nothing measured", n1, n2)
		return b
	}
	b.Growth = b.SecondHalfPeak - b.FirstHalfPeak
	b.AllowedGrowth = max(int64(minAllowedGrowth), int64(growthFraction*float64(b.FirstHalfPeak)))
	b.SlopePerMinute = int64(slope(xs, ys) * 60)
	b.OK = b.Growth <= b.AllowedGrowth
	b.Detail = fmt.Sprintf("peak %s then %s (growth %s, allowed %s; trend %s/min)",
		mib(b.FirstHalfPeak), mib(b.SecondHalfPeak), mib(b.Growth), mib(b.AllowedGrowth), mib(b.SlopePerMinute))
	return b
}

// slope is the least-squares slope of ys over xs (0 when xs do not vary).
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy = sx+xs[i], sy+ys[i]
		sxx, sxy = sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
