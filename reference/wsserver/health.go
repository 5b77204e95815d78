package wsserver

import (
	"fmt"
	"sync"
	"time"
)

// Health statuses.
const (
	StatusHealthy      = "healthy"
	StatusDegraded     = "degraded"
	StatusReconnecting = "reconnecting"
)

// Health is the JSON body of /health.
type Health struct {
	// Status is healthy, degraded or reconnecting (see the package doc for the rules).
	Status string `json:"status"`
	// Reasons explains a status other than healthy, one short sentence each.
	Reasons []string `json:"reasons"`
	// KafkaStatus is "connected" when the last outcome on a broker connection was a
	// success, else "disconnected".
	KafkaStatus string `json:"kafka_status"`
	// WebSocketStatus is "accepting", or "shutting_down" once the server stops.
	WebSocketStatus string          `json:"websocket_status"`
	CircuitBreaker  BreakerSnapshot `json:"circuit_breaker"`
	Metrics         HealthMetrics   `json:"metrics"`
}

// HealthMetrics are the counts behind a Health: all-time totals and, prefixed recent_,
// the counts within the window.
type HealthMetrics struct {
	KafkaErrors          uint64 `json:"kafka_errors"`
	InfrastructureErrors uint64 `json:"infrastructure_errors"`
	DecodeErrors         uint64 `json:"decode_errors"`
	DroppedMessages      uint64 `json:"dropped_messages"`
	MessagesReceived     uint64 `json:"messages_received"`

	RecentKafkaErrors          uint64  `json:"recent_kafka_errors"`
	RecentInfrastructureErrors uint64  `json:"recent_infrastructure_errors"`
	RecentDecodeErrors         uint64  `json:"recent_decode_errors"`
	RecentDroppedMessages      uint64  `json:"recent_dropped_messages"`
	RecentMessagesReceived     uint64  `json:"recent_messages_received"`
	WindowSeconds              float64 `json:"window_seconds"`

	ConnectedClients int     `json:"connected_clients"`
	UptimeSeconds    float64 `json:"uptime_seconds"`
	// SecondsSinceLastMessage is null until a first message arrived.
	SecondsSinceLastMessage *float64 `json:"seconds_since_last_message"`
}

// counts is a total and its sliding window.
type counts struct {
	total  uint64
	recent *window
}

// tracker holds what /health is computed from; safe for concurrent use.
type tracker struct {
	now        func() time.Time
	window     time.Duration
	staleAfter time.Duration
	started    time.Time

	mu                                  sync.Mutex
	kafka, infra, decode, dropped, msgs counts
	lastMessage                         time.Time
	shuttingDown                        bool
}

func newTracker(now func() time.Time, window, staleAfter time.Duration) *tracker {
	nc := func() counts { return counts{recent: newWindow(window)} }
	return &tracker{now: now, window: window, staleAfter: staleAfter, started: now(),
		kafka: nc(), infra: nc(), decode: nc(), dropped: nc(), msgs: nc()}
}

func (t *tracker) add(c *counts, n uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c.total += n
	c.recent.add(t.now(), n)
}

func (t *tracker) kafkaError()         { t.add(&t.kafka, 1) }
func (t *tracker) infraError()         { t.add(&t.infra, 1) }
func (t *tracker) decodeError()        { t.add(&t.decode, 1) }
func (t *tracker) droppedFrames(n int) { t.add(&t.dropped, uint64(n)) }

func (t *tracker) message() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.msgs.total++
	t.msgs.recent.add(now, 1)
	t.lastMessage = now
}

func (t *tracker) shutdown() {
	t.mu.Lock()
	t.shuttingDown = true
	t.mu.Unlock()
}

// health computes the status. connected is the Kafka client's last outcome; breaker the
// breaker's snapshot at the same time.
func (t *tracker) health(connected bool, breaker BreakerSnapshot, clients int) Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	m := HealthMetrics{
		KafkaErrors: t.kafka.total, InfrastructureErrors: t.infra.total, DecodeErrors: t.decode.total,
		DroppedMessages: t.dropped.total, MessagesReceived: t.msgs.total,
		RecentKafkaErrors: t.kafka.recent.sum(now), RecentInfrastructureErrors: t.infra.recent.sum(now),
		RecentDecodeErrors: t.decode.recent.sum(now), RecentDroppedMessages: t.dropped.recent.sum(now),
		RecentMessagesReceived: t.msgs.recent.sum(now), WindowSeconds: t.window.Seconds(),
		ConnectedClients: clients, UptimeSeconds: now.Sub(t.started).Seconds(),
	}
	var age time.Duration
	if !t.lastMessage.IsZero() {
		age = now.Sub(t.lastMessage)
		s := age.Seconds()
		m.SecondsSinceLastMessage = &s
	}
	h := Health{Status: StatusHealthy, Reasons: []string{}, KafkaStatus: "connected", WebSocketStatus: "accepting",
		CircuitBreaker: breaker, Metrics: m}
	if !connected {
		h.KafkaStatus = "disconnected"
	}
	if t.shuttingDown {
		h.WebSocketStatus = "shutting_down"
	}
	win := t.window.String()
	switch {
	case breaker.State != Closed.String():
		h.Status = StatusReconnecting
		h.Reasons = append(h.Reasons, "circuit breaker "+breaker.State)
	case !connected:
		h.Status = StatusReconnecting
		h.Reasons = append(h.Reasons, "kafka disconnected: not connected yet, or the last connection attempt or request failed")
	}
	degrade := func(reason string) {
		if h.Status == StatusHealthy {
			h.Status = StatusDegraded
		}
		h.Reasons = append(h.Reasons, reason)
	}
	if n := m.RecentKafkaErrors; n > 0 {
		degrade(fmt.Sprintf("%d kafka errors in the last %s", n, win))
	}
	if n := m.RecentInfrastructureErrors; n > 0 {
		degrade(fmt.Sprintf("%d infrastructure errors in the last %s", n, win))
	}
	if n := m.RecentDecodeErrors; n > 0 {
		degrade(fmt.Sprintf("%d undecodable records in the last %s", n, win))
	}
	if t.staleAfter > 0 && !t.lastMessage.IsZero() && age > t.staleAfter {
		degrade(fmt.Sprintf("no kafka message for %s (stale after %s)", age.Round(time.Second), t.staleAfter))
	}
	return h
}
