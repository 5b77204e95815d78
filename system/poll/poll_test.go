package poll_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/poll"
)

func TestUntilMetChecksAtOnceThenEveryInterval(t *testing.T) {
	calls := 0
	elapsed, last, err := poll.Until(context.Background(), 5*time.Second, 10*time.Millisecond, func(context.Context) (bool, string, error) {
		calls++
		if calls == 2 {
			return false, "", errors.New("flaky read") // transient: tried again
		}
		return calls == 4, fmt.Sprintf("call %d", calls), nil
	})
	require.NoError(t, err)
	require.Equal(t, 4, calls)
	require.Equal(t, "call 4", last, "the observation of the call that met it")
	require.GreaterOrEqual(t, elapsed, 30*time.Millisecond, "three intervals between four calls")
}

func TestUntilTimesOutWithTheLastObservation(t *testing.T) {
	_, last, err := poll.Until(context.Background(), 50*time.Millisecond, 10*time.Millisecond, func(context.Context) (bool, string, error) {
		return false, "", errors.New("connection refused")
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, "connection refused", last)
}

func TestUntilStopsAtAFinalError(t *testing.T) {
	exited := errors.New("the process exited")
	calls := 0
	_, last, err := poll.Until(context.Background(), 5*time.Second, time.Millisecond, func(context.Context) (bool, string, error) {
		calls++
		return false, "", poll.Stop(exited)
	})
	require.ErrorIs(t, err, exited)
	require.Equal(t, 1, calls, "a final error is not tried again")
	require.Equal(t, "the process exited", last)
	require.NoError(t, poll.Stop(nil))
}

func TestUntilEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := poll.Until(ctx, time.Minute, time.Millisecond, func(context.Context) (bool, string, error) { return false, "no", nil })
	require.ErrorIs(t, err, context.Canceled)
}

func TestUntilKeepsTheLastObservationWhenTheDeadlineCutsACall(t *testing.T) {
	calls := 0
	_, last, err := poll.Until(context.Background(), 60*time.Millisecond, 10*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		calls++
		if calls == 1 {
			return false, "2 of 3 series", nil
		}
		<-ctx.Done() // a scrape still under way at the deadline
		return false, "", fmt.Errorf("scrape: %w", ctx.Err())
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, "2 of 3 series", last)
}
