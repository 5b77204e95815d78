// Package poll is the harness's one way of waiting for a condition: check it at once,
// then every interval, until it holds, it fails for good, or the deadline passes. Every
// wait polls a real signal and has a deadline; none sleeps to synchronise.
//
//	elapsed, last, err := poll.Until(ctx, 10*time.Second, 100*time.Millisecond,
//		func(ctx context.Context) (bool, string, error) {
//			n, err := count(ctx)
//			return n >= 5, fmt.Sprintf("%d seen", n), err // an error here is tried again
//		})
//
// A condition's error is transient (the state it describes is "not yet") unless the
// condition wraps it with Stop, which ends the wait at once: a process that exited will
// not start answering.
package poll
