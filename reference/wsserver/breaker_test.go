package wsserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wsserver"
)

func TestBreakerStateMachine(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	type step struct {
		at   time.Duration
		op   string // "fail", "ok", "state"
		want wsserver.BreakerState
	}
	cfg := wsserver.BreakerConfig{FailureThreshold: 3, OpenFor: 10 * time.Second, CloseAfter: 2}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"opens only at the threshold", []step{
			{0, "fail", wsserver.Closed}, {1, "fail", wsserver.Closed}, {2, "fail", wsserver.Open}}},
		{"a success resets the run", []step{
			{0, "fail", wsserver.Closed}, {1, "fail", wsserver.Closed}, {2, "ok", wsserver.Closed},
			{3, "fail", wsserver.Closed}, {4, "fail", wsserver.Closed}, {5, "fail", wsserver.Open}}},
		{"stays open until OpenFor, ignoring events", []step{
			{0, "fail", wsserver.Closed}, {0, "fail", wsserver.Closed}, {0, "fail", wsserver.Open},
			{time.Second, "ok", wsserver.Open}, {2 * time.Second, "fail", wsserver.Open},
			{9999 * time.Millisecond, "state", wsserver.Open}, {10 * time.Second, "state", wsserver.HalfOpen}}},
		{"half-open closes after CloseAfter successes", []step{
			{0, "fail", wsserver.Closed}, {0, "fail", wsserver.Closed}, {0, "fail", wsserver.Open},
			{10 * time.Second, "ok", wsserver.HalfOpen}, {11 * time.Second, "ok", wsserver.Closed},
			{12 * time.Second, "fail", wsserver.Closed}, {12 * time.Second, "fail", wsserver.Closed}}},
		{"a failure in half-open reopens for OpenFor", []step{
			{0, "fail", wsserver.Closed}, {0, "fail", wsserver.Closed}, {0, "fail", wsserver.Open},
			{10 * time.Second, "ok", wsserver.HalfOpen}, {11 * time.Second, "fail", wsserver.Open},
			{20 * time.Second, "state", wsserver.Open}, {21 * time.Second, "ok", wsserver.HalfOpen},
			{21 * time.Second, "ok", wsserver.Closed}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := wsserver.NewBreaker(cfg)
			for i, s := range tc.steps {
				var got wsserver.BreakerState
				switch s.op {
				case "fail":
					got = b.Failure(at(s.at))
				case "ok":
					got = b.Success(at(s.at))
				default:
					got = b.State(at(s.at))
				}
				require.Equal(t, s.want, got, "step %d (%s at %s)", i, s.op, s.at)
			}
		})
	}
}

func TestBreakerDefaultsAndSnapshot(t *testing.T) {
	b := wsserver.NewBreaker(wsserver.BreakerConfig{})
	require.Equal(t, wsserver.BreakerConfig{FailureThreshold: 10, OpenFor: time.Minute, CloseAfter: 5}, b.Config())
	now := time.Now()
	for range 9 {
		b.Failure(now)
	}
	require.Equal(t, wsserver.Closed, b.State(now), "9 failures are not 10")
	require.Equal(t, wsserver.Open, b.Failure(now))
	snap := b.Snapshot(now.Add(15 * time.Second))
	require.Equal(t, wsserver.BreakerSnapshot{State: "open", ConsecutiveFailures: 10, Opens: 1, OpenForSeconds: 45}, snap)
	require.Equal(t, 45*time.Second, b.RemainingOpen(now.Add(15*time.Second)))
	require.Zero(t, b.RemainingOpen(now.Add(time.Minute)))
	require.Equal(t, "half_open", wsserver.HalfOpen.String())
	require.Equal(t, 1, int(wsserver.HalfOpen), "metric value")
	require.Equal(t, 2, int(wsserver.Open), "metric value")
}
