package wsserver

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestWindowSlides(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	w := newWindow(time.Minute)
	w.add(clock.now(), 2)
	clock.add(30 * time.Second)
	w.add(clock.now(), 3)
	require.Equal(t, uint64(5), w.sum(clock.now()))
	clock.add(31 * time.Second)
	require.Equal(t, uint64(3), w.sum(clock.now()), "the first two left the window")
	clock.add(30 * time.Second)
	require.Zero(t, w.sum(clock.now()))
	clock.add(time.Hour) // a slot reused after wrapping around starts from 0
	w.add(clock.now(), 1)
	require.Equal(t, uint64(1), w.sum(clock.now()))
}

func TestHealthStatusRules(t *testing.T) {
	closed := BreakerSnapshot{State: "closed"}
	for _, tc := range []struct {
		name      string
		prepare   func(tr *tracker, c *fakeClock)
		connected bool
		breaker   BreakerSnapshot
		want      string
		reasons   int
	}{
		{"all quiet and connected", func(*tracker, *fakeClock) {}, true, closed, StatusHealthy, 0},
		{"not connected", func(*tracker, *fakeClock) {}, false, closed, StatusReconnecting, 1},
		{"breaker open", func(*tracker, *fakeClock) {}, true, BreakerSnapshot{State: "open"}, StatusReconnecting, 1},
		{"kafka errors in the window", func(tr *tracker, _ *fakeClock) { tr.kafkaOutcome(false) }, true, closed, StatusDegraded, 1},
		{"kafka errors that left the window", func(tr *tracker, c *fakeClock) {
			tr.kafkaOutcome(false)
			c.add(61 * time.Second)
			tr.message()
		}, true, closed, StatusHealthy, 0},
		{"decode and infrastructure errors", func(tr *tracker, _ *fakeClock) {
			tr.decodeError()
			tr.infraError()
		}, true, closed, StatusDegraded, 2},
		{"dropped frames do not degrade", func(tr *tracker, _ *fakeClock) { tr.droppedFrames(5) }, true, closed, StatusHealthy, 0},
		{"stale messages", func(tr *tracker, c *fakeClock) {
			tr.message()
			c.add(3 * time.Minute)
		}, true, closed, StatusDegraded, 1},
		{"disconnected with errors", func(tr *tracker, _ *fakeClock) { tr.kafkaOutcome(false) }, false, closed, StatusReconnecting, 2},
		{"four kafka errors: degraded", func(tr *tracker, _ *fakeClock) { kafkaErrors(tr, 4) }, true, closed, StatusDegraded, 1},
		{"five kafka errors: reconnecting", func(tr *tracker, _ *fakeClock) { kafkaErrors(tr, 5) }, true, closed, StatusReconnecting, 1},
		{"last message 59 s ago: healthy", func(tr *tracker, c *fakeClock) {
			tr.message()
			c.add(59 * time.Second)
		}, true, closed, StatusHealthy, 0},
		{"last message 60 s ago: degraded", func(tr *tracker, c *fakeClock) {
			tr.message()
			c.add(60 * time.Second)
		}, true, closed, StatusDegraded, 1},
		{"last message 299 s ago: degraded", func(tr *tracker, c *fakeClock) {
			tr.message()
			c.add(299 * time.Second)
		}, true, closed, StatusDegraded, 1},
		{"last message 300 s ago: reconnecting", func(tr *tracker, c *fakeClock) {
			tr.message()
			c.add(300 * time.Second)
		}, true, closed, StatusReconnecting, 1},
		{"no message for 61 s since start: degraded", func(_ *tracker, c *fakeClock) { c.add(61 * time.Second) }, true, closed, StatusDegraded, 1},
		{"healthy after a minute of successful operation", func(tr *tracker, c *fakeClock) {
			kafkaErrors(tr, 7)
			for range 60 {
				c.add(time.Second)
				tr.message()
			}
		}, true, closed, StatusHealthy, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			tr := newTracker(c.now, time.Minute, DefaultStaleAfter, DefaultReconnectingAfter)
			tc.prepare(tr, c)
			if tc.connected {
				tr.kafkaOutcome(true)
			}
			h := tr.health(tc.breaker, 3)
			require.Equal(t, tc.want, h.Status, "reasons: %v", h.Reasons)
			require.Len(t, h.Reasons, tc.reasons, "%v", h.Reasons)
			require.Equal(t, 3, h.Metrics.ConnectedClients)
		})
	}
}

func kafkaErrors(tr *tracker, n int) {
	for range n {
		tr.kafkaOutcome(false)
	}
}

func TestHealthMetricsTotalsAndRecent(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	tr := newTracker(c.now, 10*time.Second, 0, 0)
	require.Nil(t, tr.health(BreakerSnapshot{State: "closed"}, 0).Metrics.SecondsSinceLastMessage)
	tr.kafkaOutcome(false)
	tr.message()
	tr.droppedFrames(4)
	c.add(20 * time.Second)
	tr.kafkaOutcome(false)
	m := tr.health(BreakerSnapshot{State: "closed"}, 0).Metrics
	require.Equal(t, uint64(2), m.KafkaErrors)
	require.Equal(t, uint64(1), m.RecentKafkaErrors)
	require.Equal(t, uint64(4), m.DroppedMessages)
	require.Zero(t, m.RecentDroppedMessages)
	require.Equal(t, uint64(1), m.MessagesReceived)
	require.Equal(t, 20.0, *m.SecondsSinceLastMessage)
	require.Equal(t, 20.0, m.UptimeSeconds)
	require.Equal(t, 10.0, m.WindowSeconds)
	tr.shutdown()
	require.Equal(t, "shutting_down", tr.health(BreakerSnapshot{State: "closed"}, 0).WebSocketStatus)
}

func TestClientQueueDropsOldest(t *testing.T) {
	c := newClient(1, "acme", false, nil, 3, DefaultQueueBytes)
	for i := range 5 {
		dropped, cut := c.push(outFrame{data: []byte{byte(i)}}, 0)
		require.Equal(t, i >= 3, dropped == 1, "frame %d", i)
		require.False(t, cut)
	}
	var got []byte
	for {
		f, ok := c.pop()
		if !ok {
			break
		}
		got = append(got, f.data[0])
	}
	require.Equal(t, []byte{2, 3, 4}, got, "the oldest two were dropped")

	for i := range 6 {
		_, cut := c.push(outFrame{data: []byte{byte(i)}}, 4)
		require.Equal(t, i == 4, cut, "cut once, at the 4th drop in all: 2 before, 2 now (frame %d)", i)
	}
	_, cut := c.push(outFrame{}, 4)
	require.False(t, cut, "reported once; a cut client takes no more frames")
	require.Equal(t, "too_slow", c.cutReason())
	require.Equal(t, 3, c.shut())
	_, ok := c.pop()
	require.False(t, ok)
}
