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
	// Thresholds are the numbers the status is computed with.
	Thresholds HealthThresholds `json:"thresholds"`
}

// HealthThresholds are the settings behind a Health, shown so an operator can read the
// rules a status came from. 0 seconds means the rule is off.
type HealthThresholds struct {
	WindowSeconds            float64 `json:"window_seconds"`
	StaleAfterSeconds        float64 `json:"stale_after_seconds"`
	ReconnectingAfterSeconds float64 `json:"reconnecting_after_seconds"`
	ReconnectingErrors       uint64  `json:"reconnecting_errors"`
	BreakerFailureThreshold  int     `json:"breaker_failure_threshold"`
	BreakerOpenForSeconds    float64 `json:"breaker_open_for_seconds"`
	BreakerCloseAfter        int     `json:"breaker_close_after"`
	ProbeIntervalSeconds     float64 `json:"probe_interval_seconds"`
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

// ReconnectingErrors is the number of Kafka errors within the health window from which
// the status is reconnecting; fewer (1 to 4) make it degraded (incident #7's tiers).
const ReconnectingErrors = 5

// counts is a total and its sliding window.
type counts struct {
	total  uint64
	recent *window
}

// tracker holds what /health is computed from; safe for concurrent use.
type tracker struct {
	now          func() time.Time
	window       time.Duration
	staleAfter   time.Duration // degraded when the last message is older; 0 off
	reconnecting time.Duration // reconnecting when the last message is older; 0 off
	started      time.Time

	mu                                  sync.Mutex
	kafka, infra, decode, dropped, msgs counts
	lastMessage                         time.Time
	shuttingDown                        bool
	// connected is the last Kafka outcome, kept with the error counts under one lock so
	// that /health never reads "disconnected" before the error that made it so.
	connected bool
}

func newTracker(now func() time.Time, window, staleAfter, reconnecting time.Duration) *tracker {
	nc := func() counts { return counts{recent: newWindow(window)} }
	return &tracker{now: now, window: window, staleAfter: staleAfter, reconnecting: reconnecting, started: now(),
		kafka: nc(), infra: nc(), decode: nc(), dropped: nc(), msgs: nc()}
}

func (t *tracker) add(c *counts, n uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c.total += n
	c.recent.add(t.now(), n)
}

// kafkaOutcome records the outcome of a connection attempt or request: a failure counts
// as a Kafka error and disconnects, a success connects.
func (t *tracker) kafkaOutcome(ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.connected = ok
	if !ok {
		t.kafka.total++
		t.kafka.recent.add(t.now(), 1)
	}
}

// kafkaConnected reports the last Kafka outcome: true after a success.
func (t *tracker) kafkaConnected() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.connected
}

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

// health computes the status; breaker is the breaker's snapshot at the same time.
func (t *tracker) health(breaker BreakerSnapshot, clients int) Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	now, connected := t.now(), t.connected
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
		CircuitBreaker: breaker, Metrics: m, Thresholds: HealthThresholds{WindowSeconds: t.window.Seconds(),
			StaleAfterSeconds: t.staleAfter.Seconds(), ReconnectingAfterSeconds: t.reconnecting.Seconds(),
			ReconnectingErrors: ReconnectingErrors}}
	if !connected {
		h.KafkaStatus = "disconnected"
	}
	if t.shuttingDown {
		h.WebSocketStatus = "shutting_down"
	}
	win := t.window.String()
	reconnect := func(reason string) {
		h.Status = StatusReconnecting
		h.Reasons = append(h.Reasons, reason)
	}
	degrade := func(reason string) {
		if h.Status == StatusHealthy {
			h.Status = StatusDegraded
		}
		h.Reasons = append(h.Reasons, reason)
	}
	if breaker.State != Closed.String() {
		reconnect("circuit breaker " + breaker.State)
	}
	if !connected {
		reconnect("kafka disconnected: not connected yet, or the last connection attempt or request failed")
	}
	switch n := m.RecentKafkaErrors; {
	case n >= ReconnectingErrors:
		reconnect(fmt.Sprintf("%d kafka errors in the last %s (reconnecting from %d)", n, win, ReconnectingErrors))
	case n > 0:
		degrade(fmt.Sprintf("%d kafka errors in the last %s", n, win))
	}
	if n := m.RecentInfrastructureErrors; n > 0 {
		degrade(fmt.Sprintf("%d infrastructure errors in the last %s", n, win))
	}
	if n := m.RecentDecodeErrors; n > 0 {
		degrade(fmt.Sprintf("%d undecodable records in the last %s", n, win))
	}
	// The age of the last message, or of the server while none arrived.
	quiet, since := age, "the last kafka message"
	if t.lastMessage.IsZero() {
		quiet, since = now.Sub(t.started), "start, no kafka message yet"
	}
	switch {
	case t.reconnecting > 0 && quiet >= t.reconnecting:
		reconnect(fmt.Sprintf("%s since %s (reconnecting after %s)", quiet.Round(time.Second), since, t.reconnecting))
	case t.staleAfter > 0 && quiet >= t.staleAfter:
		degrade(fmt.Sprintf("%s since %s (stale after %s)", quiet.Round(time.Second), since, t.staleAfter))
	}
	return h
}
