package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// pollInterval is how often Eventually checks its condition.
const pollInterval = 50 * time.Millisecond

// Eventually calls cond every 50 ms until it reports true, it fails, or timeout (or ctx)
// ends; the timeout error names what was awaited and the last state cond described.
func Eventually(ctx context.Context, what string, timeout time.Duration, cond func(context.Context) (bool, string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	last := ""
	for {
		ok, state, err := cond(ctx)
		if err == nil && ok {
			return nil
		}
		if err != nil {
			state = err.Error()
		}
		last = state
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting %s for %s: %w (last: %s)", timeout, what, ctx.Err(), last)
		case <-t.C:
		}
	}
}

// httpStatus returns the status code of GET http://addr/path, bounded by 2 s.
func httpStatus(ctx context.Context, addr, path string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
