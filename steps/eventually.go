package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/dashstream/acceptance/system/poll"
)

// pollEvery is how often eventually looks at the signal it waits for.
const pollEvery = 200 * time.Millisecond

// eventually polls check until it reports done, for at most within. check returns
// whether the expectation is met and a short account of what it observed. The
// expectation, and when it was met or what was last seen, go into the evidence; the
// error says the same.
func (w *World) eventually(ctx context.Context, name string, within time.Duration, check func(context.Context) (bool, string, error)) error {
	exp := w.rec.Expect(name, within)
	elapsed, last, err := poll.Until(ctx, within, pollEvery, check)
	if err == nil {
		exp.Observed(time.Now(), last)
		return nil
	}
	if last == "" {
		last = "nothing observed yet"
	}
	exp.Missed(last)
	return fmt.Errorf("expected %s within %s; after %.1f s the last observation was: %s",
		name, within, elapsed.Seconds(), last)
}
