package backoff

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DefaultDialTimeout bounds one TCP dial (and DNS lookup) to a broker.
const DefaultDialTimeout = 5 * time.Second

// EventKind says what a Guard saw on a broker connection.
type EventKind uint8

// Kinds of Event.
const (
	// ConnectOK: a connection was dialled and initialised (ApiVersions answered).
	ConnectOK EventKind = iota + 1
	// ConnectFailed: a dial, DNS lookup or connection initialisation failed.
	ConnectFailed
	// ResponseOK: a response was read from a broker.
	ResponseOK
	// IOFailed: a request could not be written or its response could not be read.
	IOFailed
	// Disconnected: a connection closed (idle reaping included: not a failure by itself).
	Disconnected
)

// String returns the kind's name ("connect_ok", ...).
func (k EventKind) String() string {
	switch k {
	case ConnectOK:
		return "connect_ok"
	case ConnectFailed:
		return "connect_failed"
	case ResponseOK:
		return "response_ok"
	case IOFailed:
		return "io_failed"
	case Disconnected:
		return "disconnected"
	}
	return "unknown"
}

// Failure reports whether the kind counts as a Kafka failure.
func (k EventKind) Failure() bool { return k == ConnectFailed || k == IOFailed }

// Event is one observation of a Guard, passed to OnEvent listeners.
type Event struct {
	Kind EventKind
	// Broker is the broker's host:port; NodeID its id (negative for a seed broker).
	Broker string
	NodeID int32
	// Key is the request key of a ResponseOK or IOFailed (kmsg.Metadata is 3).
	Key int16
	// Err is set for failures.
	Err error
	At  time.Time
}

// GuardOpt configures a Guard.
type GuardOpt interface{ applyGuard(*Guard) }

type guardOpt func(*Guard)

func (o guardOpt) applyGuard(g *Guard) { o(g) }

// Backoff sets the retry policy. Default New().
func Backoff(p *Policy) GuardOpt { return guardOpt(func(g *Guard) { g.policy = p }) }

// DialTimeout bounds one dial (DNS lookup and TCP connect). Default DefaultDialTimeout.
func DialTimeout(d time.Duration) GuardOpt { return guardOpt(func(g *Guard) { g.dialTimeout = d }) }

// OnEvent adds a listener called for every Event, synchronously from franz-go's
// goroutines: it must be quick and must not call back into the client.
func OnEvent(fn func(Event)) GuardOpt {
	return guardOpt(func(g *Guard) { g.listeners = append(g.listeners, fn) })
}

// Gate sets a function whose result is the least delay before any retry; a circuit
// breaker returns the time left until it half-opens, so nothing dials while it is open.
func Gate(fn func() time.Duration) GuardOpt { return guardOpt(func(g *Guard) { g.gate = fn }) }

// Logger sets where connection failures and recoveries are logged; wrap it in a Dedup
// handler to keep an outage to one line per distinct error per interval. Default: no logs.
func Logger(l *slog.Logger) GuardOpt { return guardOpt(func(g *Guard) { g.log = l }) }

// Clock sets the time source of event timestamps. Default time.Now.
func Clock(now func() time.Time) GuardOpt { return guardOpt(func(g *Guard) { g.now = now }) }

// Guard keeps a franz-go client from turning an unreachable broker into a retry storm,
// and reports what its connections do. It is a kgo hook and a RetryBackoffFn: every
// retry waits Policy.Delay(max(tries, consecutive failures)), so the client-wide run of
// failures, not one request's tries, sets the pace. Pass ClientOpts to the client.
// A Guard is safe for concurrent use; use one per client.
type Guard struct {
	policy      *Policy
	dialTimeout time.Duration
	listeners   []func(Event)
	gate        func() time.Duration
	log         *slog.Logger
	now         func() time.Time

	attempts, failures atomic.Uint64
	answered           atomic.Bool

	mu          sync.Mutex
	consecutive int
	level       int       // the run of failures that paces retries (see escalate)
	leveled     time.Time // when level last rose
	connected   bool
	lastFailure map[failureKey]failure // the last failure seen of each broker and error
}

// failure is one failed outcome on a broker, kept to recognise it when a second hook
// reports it again.
type failure struct {
	kind EventKind
	at   time.Time
}

// failureKey is a broker and an error text: the error names the connection (its local
// port), so several connections to one broker failing at once are told apart.
type failureKey struct{ broker, err string }

// sameFailureWithin is how close two reports of one error on one broker, by two different
// hooks, must be to count as one failure: franz-go reports a connection whose initial
// request times out both to HookBrokerRead and to HookBrokerConnect. The same hook
// reporting the same error twice is two failures (two attempts).
const sameFailureWithin = time.Second

var (
	_ kgo.HookBrokerConnect    = new(Guard)
	_ kgo.HookBrokerDisconnect = new(Guard)
	_ kgo.HookBrokerRead       = new(Guard)
	_ kgo.HookBrokerWrite      = new(Guard)
)

// NewGuard returns a Guard.
func NewGuard(opts ...GuardOpt) *Guard {
	g := &Guard{dialTimeout: DefaultDialTimeout, now: time.Now}
	for _, o := range opts {
		o.applyGuard(g)
	}
	if g.policy == nil {
		g.policy = New()
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	return g
}

// ClientOpts returns the franz-go options that apply the Guard: RetryBackoffFn,
// DialTimeout and the hooks.
func (g *Guard) ClientOpts() []kgo.Opt {
	return []kgo.Opt{kgo.RetryBackoffFn(g.Backoff), kgo.DialTimeout(g.dialTimeout), kgo.WithHooks(g)}
}

// Backoff is the RetryBackoffFn: the delay before retry number tries.
func (g *Guard) Backoff(tries int) time.Duration {
	g.mu.Lock()
	n := max(tries, g.level)
	g.mu.Unlock()
	d := g.policy.Delay(n)
	if g.gate != nil {
		d = max(d, g.gate())
	}
	return d
}

// Attempts returns the number of connection attempts so far (dials, failed or not).
func (g *Guard) Attempts() uint64 { return g.attempts.Load() }

// Failures returns the number of failed connection attempts and requests so far.
func (g *Guard) Failures() uint64 { return g.failures.Load() }

// Connected reports whether the last outcome on any broker connection was a success (a
// connection or a response), not a failure. An idle connection closed by the client
// does not change it.
func (g *Guard) Connected() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.connected
}

// Answered reports whether a broker has answered a metadata request since the Guard was
// made: Kafka is reachable and speaks the protocol. It never goes back to false.
func (g *Guard) Answered() bool { return g.answered.Load() }

// burst is how close failures must follow each other to pace retries as one step.
const burst = 100 * time.Millisecond

// escalate raises the pacing level for a failure at now, unless the level rose less than
// burst ago: a burst of failures at one moment (every connection of a client breaking
// when a broker dies) is one step, not many, so retries are not parked near the cap
// while the broker is already back. Called with g.mu held.
func (g *Guard) escalate(now time.Time) {
	if g.level > 0 && now.Sub(g.leveled) < burst {
		return
	}
	g.level++
	g.leveled = now
}

// ConsecutiveFailures returns the failures since the last success.
func (g *Guard) ConsecutiveFailures() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.consecutive
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (g *Guard) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	g.attempts.Add(1)
	if err != nil {
		g.observe(Event{Kind: ConnectFailed, Err: err}, meta)
		return
	}
	g.observe(Event{Kind: ConnectOK}, meta)
}

// OnBrokerDisconnect implements kgo.HookBrokerDisconnect.
func (g *Guard) OnBrokerDisconnect(meta kgo.BrokerMetadata, _ net.Conn) {
	g.observe(Event{Kind: Disconnected}, meta)
}

// OnBrokerRead implements kgo.HookBrokerRead.
func (g *Guard) OnBrokerRead(meta kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err != nil {
		g.observe(Event{Kind: IOFailed, Key: key, Err: err}, meta)
		return
	}
	if key == kmsg.Metadata.Int16() {
		g.answered.Store(true)
	}
	g.observe(Event{Kind: ResponseOK, Key: key}, meta)
}

// OnBrokerWrite implements kgo.HookBrokerWrite; only failures matter.
func (g *Guard) OnBrokerWrite(meta kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err != nil {
		g.observe(Event{Kind: IOFailed, Key: key, Err: err}, meta)
	}
}

// benign reports errors that are the client's own doing (shutdown, a connection it
// closed after a failure already counted), not a broker's.
func benign(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) || errors.Is(err, net.ErrClosed)
}

func (g *Guard) observe(ev Event, meta kgo.BrokerMetadata) {
	if ev.Err != nil && benign(ev.Err) {
		return
	}
	ev.Broker = net.JoinHostPort(meta.Host, strconv.Itoa(int(meta.Port)))
	ev.NodeID = meta.NodeID
	ev.At = g.now()
	g.mu.Lock()
	recovered := false
	switch {
	case ev.Kind.Failure():
		key := failureKey{ev.Broker, ev.Err.Error()}
		last, seen := g.lastFailure[key]
		if seen && last.kind != ev.Kind && ev.At.Sub(last.at) < sameFailureWithin {
			delete(g.lastFailure, key) // paired: a third report is a new failure
			g.mu.Unlock()
			return // the same failure, reported by a second hook
		}
		if g.lastFailure == nil {
			g.lastFailure = map[failureKey]failure{}
		}
		for k, f := range g.lastFailure {
			if ev.At.Sub(f.at) >= sameFailureWithin {
				delete(g.lastFailure, k) // too old to pair with anything
			}
		}
		g.lastFailure[key] = failure{kind: ev.Kind, at: ev.At}
		g.consecutive++
		g.escalate(ev.At)
		g.connected = false
	case ev.Kind == ConnectOK || ev.Kind == ResponseOK:
		for k := range g.lastFailure {
			if k.broker == ev.Broker {
				delete(g.lastFailure, k)
			}
		}
		recovered = g.consecutive > 0
		g.consecutive = 0
		g.level = 0
		g.connected = true
	}
	g.mu.Unlock()
	if ev.Kind.Failure() {
		g.failures.Add(1)
		msg := "kafka request failed"
		if ev.Kind == ConnectFailed {
			msg = "kafka connect failed"
		}
		g.log.Warn(msg, "broker", ev.Broker, "error", ev.Err.Error())
	} else if recovered {
		g.log.Info("kafka reachable again", "broker", ev.Broker)
	}
	for _, fn := range g.listeners {
		fn(ev)
	}
}
