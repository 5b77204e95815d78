package wsserver

import "time"

// BreakerState is the state of a Breaker; its value is the one exported in
// dashstream_ws_circuit_breaker_state.
type BreakerState uint8

// Breaker states.
const (
	// Closed: Kafka is used normally; failures are counted.
	Closed BreakerState = 0
	// HalfOpen: the cool-down is over; successes are counted as probes.
	HalfOpen BreakerState = 1
	// Open: too many failures in a row; the Kafka client does not retry until OpenFor
	// has passed.
	Open BreakerState = 2
)

// String returns "closed", "half_open" or "open".
func (s BreakerState) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half_open"
	case Open:
		return "open"
	}
	return "unknown"
}

// Breaker defaults.
const (
	DefaultFailureThreshold = 10
	DefaultOpenFor          = 60 * time.Second
	DefaultCloseAfter       = 5
)

// BreakerConfig holds the thresholds of a Breaker. Zero fields take the defaults.
type BreakerConfig struct {
	// FailureThreshold is the number of failures in a row that opens a closed breaker.
	FailureThreshold int
	// OpenFor is how long an open breaker waits before it half-opens.
	OpenFor time.Duration
	// CloseAfter is the number of successful probes that closes a half-open breaker.
	CloseAfter int
}

func (c BreakerConfig) withDefaults() BreakerConfig {
	if c.FailureThreshold <= 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if c.OpenFor <= 0 {
		c.OpenFor = DefaultOpenFor
	}
	if c.CloseAfter <= 0 {
		c.CloseAfter = DefaultCloseAfter
	}
	return c
}

// BreakerSnapshot is what /health shows of a Breaker.
type BreakerSnapshot struct {
	State               string `json:"state"`
	ConsecutiveFailures int    `json:"consecutive_failures"`
	Probes              int    `json:"successful_probes"`
	Opens               uint64 `json:"opens_total"`
	// OpenForSeconds is the time left until a half-open (open only).
	OpenForSeconds float64 `json:"retry_in_seconds,omitempty"`
}

// Breaker is a circuit breaker as a pure state machine over the times it is given:
//
//	closed    --FailureThreshold failures in a row--> open
//	open      --OpenFor elapsed-->                    half_open
//	half_open --CloseAfter successes-->               closed
//	half_open --one failure-->                        open (again for OpenFor)
//
// A success in closed resets the run of failures. Failures and successes reported while
// open are ignored (they are in-flight requests from before it opened). It is not safe
// for concurrent use: the Server guards it with a mutex.
type Breaker struct {
	cfg         BreakerConfig
	state       BreakerState
	consecutive int
	probes      int
	openedAt    time.Time
	opens       uint64
}

// NewBreaker returns a closed Breaker.
func NewBreaker(cfg BreakerConfig) *Breaker { return &Breaker{cfg: cfg.withDefaults()} }

// Config returns the thresholds in use (defaults filled in).
func (b *Breaker) Config() BreakerConfig { return b.cfg }

// State returns the state at now, moving open to half-open once OpenFor has passed.
func (b *Breaker) State(now time.Time) BreakerState {
	if b.state == Open && now.Sub(b.openedAt) >= b.cfg.OpenFor {
		b.state, b.probes = HalfOpen, 0
	}
	return b.state
}

// Failure records a failure at now and returns the resulting state.
func (b *Breaker) Failure(now time.Time) BreakerState {
	switch b.State(now) {
	case Closed:
		b.consecutive++
		if b.consecutive >= b.cfg.FailureThreshold {
			b.open(now)
		}
	case HalfOpen:
		b.consecutive++
		b.open(now)
	}
	return b.state
}

// Success records a success at now and returns the resulting state.
func (b *Breaker) Success(now time.Time) BreakerState {
	switch b.State(now) {
	case Closed:
		b.consecutive = 0
	case HalfOpen:
		b.probes++
		if b.probes >= b.cfg.CloseAfter {
			b.state, b.consecutive, b.probes = Closed, 0, 0
		}
	}
	return b.state
}

func (b *Breaker) open(now time.Time) {
	b.state, b.openedAt, b.probes = Open, now, 0
	b.opens++
}

// RemainingOpen returns how long an open breaker stays open from now; 0 otherwise.
func (b *Breaker) RemainingOpen(now time.Time) time.Duration {
	if b.State(now) != Open {
		return 0
	}
	return b.cfg.OpenFor - now.Sub(b.openedAt)
}

// Snapshot returns the breaker's state for /health.
func (b *Breaker) Snapshot(now time.Time) BreakerSnapshot {
	st := b.State(now)
	return BreakerSnapshot{State: st.String(), ConsecutiveFailures: b.consecutive, Probes: b.probes, Opens: b.opens,
		OpenForSeconds: b.RemainingOpen(now).Seconds()}
}
