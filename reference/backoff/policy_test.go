package backoff_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/reference/backoff"
)

func TestPolicyCeilingAndJitter(t *testing.T) {
	p0 := backoff.New(backoff.Rand(func() float64 { return 0 }))
	p1 := backoff.New(backoff.Rand(func() float64 { return 0.999999 }))
	for _, tc := range []struct {
		n       int
		ceiling time.Duration
	}{
		{0, 0},
		{1, 250 * time.Millisecond},
		{2, 500 * time.Millisecond},
		{5, 4 * time.Second},
		{8, 30 * time.Second}, // 32 s capped
		{1000, 30 * time.Second},
	} {
		require.Equal(t, tc.ceiling, p0.Ceiling(tc.n), "ceiling of attempt %d", tc.n)
		require.Equal(t, tc.ceiling/2, p0.Delay(tc.n), "floor of attempt %d", tc.n)
		require.InDelta(t, float64(tc.ceiling), float64(p1.Delay(tc.n)), float64(time.Millisecond), "top of attempt %d", tc.n)
	}
}

func TestPolicyBounds(t *testing.T) {
	p := backoff.New(backoff.Min(0), backoff.Max(-1))
	lo, hi := p.MinMax()
	require.Equal(t, time.Millisecond, lo)
	require.Equal(t, time.Millisecond, hi)
	for range 100 {
		d := backoff.New().Delay(3)
		require.GreaterOrEqual(t, d, 500*time.Millisecond)
		require.LessOrEqual(t, d, time.Second)
	}
}

func meta() kgo.BrokerMetadata { return kgo.BrokerMetadata{NodeID: -1, Host: "127.0.0.1", Port: 9092} }

func TestGuardPacesByConsecutiveFailures(t *testing.T) {
	var events []backoff.Event
	now := time.Unix(0, 0)
	policy := backoff.New(backoff.Rand(func() float64 { return 0 }))
	g := backoff.NewGuard(backoff.Backoff(policy), backoff.Clock(func() time.Time { return now }),
		backoff.OnEvent(func(e backoff.Event) { events = append(events, e) }))
	refused := errors.New("dial tcp 127.0.0.1:9092: connect: connection refused")
	require.Equal(t, 125*time.Millisecond, g.Backoff(1))
	for k := range 6 { // each retry after the shortest wait of the run so far
		g.OnBrokerConnect(meta(), time.Millisecond, nil, refused)
		now = now.Add(max(policy.Ceiling(k+1)/2, time.Second))
	}
	require.Equal(t, uint64(6), g.Attempts())
	require.Equal(t, 6, g.ConsecutiveFailures())
	require.False(t, g.Connected())
	require.Equal(t, 4*time.Second, g.Backoff(1), "a new request's first retry waits as long as the run of failures says")
	require.Equal(t, 15*time.Second, g.Backoff(9), "its own tries count when they are more")

	g.OnBrokerConnect(meta(), time.Millisecond, nil, nil)
	require.True(t, g.Connected())
	require.Zero(t, g.ConsecutiveFailures())
	require.Equal(t, 125*time.Millisecond, g.Backoff(1))
	require.False(t, g.Answered())
	g.OnBrokerRead(meta(), kmsg.Metadata.Int16(), 100, 0, 0, nil)
	require.True(t, g.Answered())

	require.Len(t, events, 8)
	require.Equal(t, backoff.ConnectFailed, events[0].Kind)
	require.Equal(t, "127.0.0.1:9092", events[0].Broker)
	require.Equal(t, refused, events[0].Err)
	require.Equal(t, backoff.ConnectOK, events[6].Kind)
	require.Equal(t, backoff.ResponseOK, events[7].Kind)
}

func TestGuardIgnoresItsOwnErrors(t *testing.T) {
	g := backoff.NewGuard()
	g.OnBrokerConnect(meta(), 0, nil, nil)
	for _, err := range []error{kgo.ErrClientClosed, net.ErrClosed, errors.Join(errors.New("read"), context.Canceled)} {
		g.OnBrokerRead(meta(), 1, 0, 0, 0, err)
	}
	g.OnBrokerDisconnect(meta(), nil)
	require.True(t, g.Connected(), "a closed idle connection is not a failure")
	require.Zero(t, g.Failures())
	g.OnBrokerWrite(meta(), 1, 0, 0, 0, errors.New("write: broken pipe"))
	require.False(t, g.Connected())
	require.Equal(t, uint64(1), g.Failures())
}

func TestGuardGate(t *testing.T) {
	g := backoff.NewGuard(backoff.Gate(func() time.Duration { return 42 * time.Second }))
	require.Equal(t, 42*time.Second, g.Backoff(1))
}

func TestEventKindNames(t *testing.T) {
	for k, want := range map[backoff.EventKind]string{backoff.ConnectOK: "connect_ok", backoff.ConnectFailed: "connect_failed",
		backoff.ResponseOK: "response_ok", backoff.IOFailed: "io_failed", backoff.Disconnected: "disconnected", 0: "unknown"} {
		require.Equal(t, want, k.String())
	}
	require.True(t, backoff.IOFailed.Failure())
	require.False(t, backoff.Disconnected.Failure())
}

func TestGuardCountsOneFailureReportedByTwoHooks(t *testing.T) {
	var logs bytes.Buffer
	g := backoff.NewGuard(backoff.Logger(slog.New(slog.NewTextHandler(&logs, nil))))
	timeout := errors.New("read tcp 127.0.0.1:1->127.0.0.1:9092: i/o timeout")
	// A connection whose first request hangs: franz-go reports the read and then the
	// failed connection, with the same error.
	g.OnBrokerRead(meta(), kmsg.ApiVersions.Int16(), 0, 0, 0, timeout)
	g.OnBrokerConnect(meta(), time.Millisecond, nil, timeout)
	require.Equal(t, uint64(1), g.Failures())
	require.Equal(t, 1, g.ConsecutiveFailures())
	require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), "one failure, one log line:\n%s", logs.String())

	// The same hook reporting it again is another attempt.
	g.OnBrokerConnect(meta(), time.Millisecond, nil, timeout)
	require.Equal(t, uint64(2), g.Failures())
}

func TestGuardPairsTheHooksPerConnectionWhenSeveralFailAtOnce(t *testing.T) {
	g := backoff.NewGuard()
	reset := func(port int) error {
		return fmt.Errorf("read tcp 127.0.0.1:%d->127.0.0.1:9092: read: connection reset by peer", port)
	}
	// Three connections to one broker fail together; franz-go reports each to both hooks,
	// interleaved.
	for _, p := range []int{1, 2, 3} {
		g.OnBrokerRead(meta(), kmsg.ApiVersions.Int16(), 0, 0, 0, reset(p))
	}
	for _, p := range []int{2, 1, 3} {
		g.OnBrokerConnect(meta(), time.Millisecond, nil, reset(p))
	}
	require.Equal(t, uint64(3), g.Failures(), "three connections, three failures")
	require.Equal(t, 3, g.ConsecutiveFailures())
}

func TestGuardBurstOfFailuresIsOneStep(t *testing.T) {
	now := time.Unix(0, 0)
	policy := backoff.New(backoff.Rand(func() float64 { return 0 }))
	g := backoff.NewGuard(backoff.Backoff(policy), backoff.Clock(func() time.Time { return now }))
	refused := errors.New("dial tcp 127.0.0.1:9092: connect: connection refused")
	for range 11 { // every connection of the client breaks at once when the broker dies
		g.OnBrokerConnect(meta(), time.Millisecond, nil, refused)
	}
	require.Equal(t, 11, g.ConsecutiveFailures(), "every failure is counted")
	require.Equal(t, uint64(11), g.Failures())
	require.Equal(t, policy.Delay(1), g.Backoff(1), "but they pace retries as one step, not eleven")
}
