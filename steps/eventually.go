package steps

import (
	"context"
	"fmt"
	"time"
)

// pollEvery is how often eventually looks at the signal it waits for.
const pollEvery = 200 * time.Millisecond

// eventually polls check until it reports done, for at most within. check returns
// whether the expectation is met and a short account of what it observed. The
// expectation, and when it was met or what was last seen, go into the evidence; the
// error says the same.
func (w *World) eventually(ctx context.Context, name string, within time.Duration, check func(context.Context) (bool, string, error)) error {
	exp := w.rec.Expect(name, within)
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	start := time.Now()
	last := "nothing observed yet"
	for {
		ok, observed, err := check(ctx)
		if err != nil {
			last = "error: " + err.Error()
		} else if observed != "" {
			last = observed
		}
		if ok && err == nil {
			exp.Observed(time.Now(), observed)
			return nil
		}
		select {
		case <-ctx.Done():
			exp.Missed(last)
			return fmt.Errorf("expected %s within %s; after %.1f s the last observation was: %s",
				name, within, time.Since(start).Seconds(), last)
		case <-time.After(pollEvery):
		}
	}
}
