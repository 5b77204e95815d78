package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/dashstream/acceptance/system/poll"
)

// pollInterval is how often Eventually checks its condition.
const pollInterval = 50 * time.Millisecond

// Eventually calls cond every 50 ms until it reports true, or timeout (or ctx) ends;
// the timeout error names what was awaited and the last state cond described.
func Eventually(ctx context.Context, what string, timeout time.Duration, cond func(context.Context) (bool, string, error)) error {
	if _, last, err := poll.Until(ctx, timeout, pollInterval, cond); err != nil {
		return fmt.Errorf("waiting %s for %s: %w (last: %s)", timeout, what, err, last)
	}
	return nil
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
