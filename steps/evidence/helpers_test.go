package evidence_test

import (
	"sync"
	"testing"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

// fakeClock is a settable clock for deterministic timestamps.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// t0 is deliberately not UTC and has sub-millisecond digits.
var t0 = time.Date(2026, 5, 14, 14, 0, 0, 123_456_789, time.FixedZone("CEST", 2*3600))

func newRun(t *testing.T, opts ...evidence.Opt) (*evidence.Run, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: t0}
	run := evidence.NewRun("embedded", 42, append([]evidence.Opt{evidence.Clock(clk.Now), evidence.RunID("test-run")}, opts...)...)
	t.Cleanup(run.Finish)
	return run, clk
}
