package poll

import (
	"context"
	"errors"
	"time"
)

// Cond reports whether what is awaited holds, and a short account of what it observed.
// An error is tried again at the next interval unless it is wrapped with Stop.
type Cond func(ctx context.Context) (done bool, observed string, err error)

// Stop marks err as final: Until returns it at once instead of trying again.
func Stop(err error) error {
	if err == nil {
		return nil
	}
	return stopError{err}
}

type stopError struct{ error }

func (e stopError) Unwrap() error { return e.error }

// Until calls cond at once and then every interval until it reports done, for at most
// within (and ctx; within 0 or less: ctx alone bounds it). It returns how long that took
// and the last observation: what cond last described, or its last error's text, except
// an error of the call the deadline cut short, which says nothing of what is awaited. err
// is nil when cond was met, the error cond wrapped with Stop (unwrapped), or the
// context's error when the time ran out.
func Until(ctx context.Context, within, every time.Duration, cond Cond) (elapsed time.Duration, last string, err error) {
	start := time.Now()
	if within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, within)
		defer cancel()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		done, observed, cerr := cond(ctx)
		var stop stopError
		switch {
		case errors.As(cerr, &stop):
			return time.Since(start), cerr.Error(), stop.error
		case cerr != nil && ctx.Err() != nil && last != "":
			// the deadline cut this call short: its error says nothing of what is awaited,
			// the observation before it does
		case cerr != nil:
			last = cerr.Error()
		case done:
			return time.Since(start), observed, nil
		default:
			last = observed
		}
		select {
		case <-ctx.Done():
			return time.Since(start), last, ctx.Err()
		case <-t.C:
			if ctx.Err() != nil { // both were ready and select took the tick
				return time.Since(start), last, ctx.Err()
			}
		}
	}
}
