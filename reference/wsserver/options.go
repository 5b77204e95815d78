package wsserver

import (
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
)

// Defaults of a Server.
const (
	// DefaultHealthWindow is the sliding window of recent errors /health looks at.
	DefaultHealthWindow = 60 * time.Second
	// DefaultStaleAfter: /health is degraded when the last Kafka message (or, before the
	// first, the server's start) is older (incident #7: healthy needs a message younger
	// than 60 s).
	DefaultStaleAfter = 60 * time.Second
	// DefaultReconnectingAfter: /health is reconnecting when the last Kafka message is
	// older (incident #7: degraded only while it is younger than 300 s).
	DefaultReconnectingAfter = 300 * time.Second
	// ClientID is the Kafka client_id of the server's consumer, so brokers and proxies
	// can tell its connections from others'.
	ClientID = "dashstream-wsserver"
	// DefaultQueueSize is the number of frames queued per client before the oldest drop.
	DefaultQueueSize = 256
	// MaxQueueSize is the largest QueueSize New accepts: the queue is allocated per
	// client, so a huge size fails every connection (2^62 made each one panic).
	MaxQueueSize = 1 << 16
	// DefaultQueueBytes is the most bytes of frames queued per client before the oldest
	// drop: 16 MiB, room for the largest binary frame (the 10 MiB maximum payload).
	DefaultQueueBytes = 16 << 20
	// MinQueueBytes and MaxQueueBytes bound QueueBytes (64 KiB to 1 GiB).
	MinQueueBytes = 64 << 10
	MaxQueueBytes = 1 << 30
	// DefaultReadLimit is the largest inbound WebSocket message accepted, in bytes.
	DefaultReadLimit = 4096
	// DefaultWriteTimeout bounds the write of one frame to a client.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultPingInterval is how often every WebSocket client is pinged.
	DefaultPingInterval = 30 * time.Second
	// DefaultPingTimeout bounds the wait for a client's pong; a client that does not
	// answer within it is disconnected (reason ping_timeout).
	DefaultPingTimeout = 10 * time.Second
	// DefaultProbeInterval is how often a half-open breaker pings Kafka.
	DefaultProbeInterval = time.Second
	// DefaultBackoffMax caps the delay between Kafka retries. It is lower than
	// backoff.DefaultMax because the server serves live data: a broker that comes back
	// is noticed within about this long (plus jitter), which bounds the recovery time.
	// An unreachable broker still costs at most one attempt per DefaultBackoffMax.
	DefaultBackoffMax = 4 * time.Second
	// DefaultQualityTopic is consumed beside consumer.DefaultTopic by default.
	DefaultQualityTopic = "dashstream-quality"
)

// DefaultTopics are the topics consumed unless Topics says otherwise.
var DefaultTopics = []string{consumer.DefaultTopic, DefaultQualityTopic}

// Opt configures a Server. Options apply in order; a later option of the same kind wins,
// except ConsumerOpts, ClientOpts and AllowedOrigins, which accumulate.
type Opt interface{ apply(*config) }

type opt func(*config)

func (o opt) apply(c *config) { o(c) }

type config struct {
	brokers           []string
	topics            []string
	log               *slog.Logger
	now               func() time.Time
	window            time.Duration
	staleAfter        time.Duration
	reconnectingAfter time.Duration
	breaker           BreakerConfig
	probeInterval     time.Duration
	queueSize         int
	queueBytes        int64
	disconnectAfter   int
	readLimit         int64
	writeTimeout      time.Duration
	origins           []string
	grants            Grants
	pingInterval      time.Duration
	pingTimeout       time.Duration
	policy            *backoff.Policy
	dialTimeout       time.Duration
	dedup             time.Duration
	consumerOpts      []consumer.Opt
	clientOpts        []kgo.Opt
}

func defaults() config {
	return config{
		topics:            DefaultTopics,
		log:               slog.Default(),
		now:               time.Now,
		window:            DefaultHealthWindow,
		staleAfter:        DefaultStaleAfter,
		reconnectingAfter: DefaultReconnectingAfter,
		probeInterval:     DefaultProbeInterval,
		queueSize:         DefaultQueueSize,
		queueBytes:        DefaultQueueBytes,
		readLimit:         DefaultReadLimit,
		writeTimeout:      DefaultWriteTimeout,
		pingInterval:      DefaultPingInterval,
		pingTimeout:       DefaultPingTimeout,
		policy:            backoff.New(backoff.Max(DefaultBackoffMax)),
		dialTimeout:       backoff.DefaultDialTimeout,
		dedup:             backoff.DefaultDedupInterval,
	}
}

// Brokers sets the Kafka bootstrap addresses. Without it franz-go's default
// (127.0.0.1:9092) is used.
func Brokers(addrs ...string) Opt { return opt(func(c *config) { c.brokers = addrs }) }

// Topics sets the topics to consume. Default DefaultTopics.
func Topics(topics ...string) Opt { return opt(func(c *config) { c.topics = topics }) }

// Logger sets the logger; Kafka connection failures go through a backoff.Dedup handler
// wrapped around its handler. Default slog.Default().
func Logger(l *slog.Logger) Opt { return opt(func(c *config) { c.log = l }) }

// Clock sets the time source of the health window, the breaker and the ages /health
// reports. Default time.Now. (franz-go's own timers use real time.)
func Clock(now func() time.Time) Opt { return opt(func(c *config) { c.now = now }) }

// HealthWindow sets the sliding window of recent errors behind /health's status.
// Default DefaultHealthWindow.
func HealthWindow(d time.Duration) Opt { return opt(func(c *config) { c.window = d }) }

// StaleAfter makes /health degraded when the last Kafka message (before the first one,
// the server's start) is older than d. Default DefaultStaleAfter; 0 turns it off (a
// topic that is quiet by design).
func StaleAfter(d time.Duration) Opt { return opt(func(c *config) { c.staleAfter = d }) }

// ReconnectingAfter makes /health reconnecting when the last Kafka message (before the
// first one, the server's start) is older than d. Default DefaultReconnectingAfter; 0
// turns it off.
func ReconnectingAfter(d time.Duration) Opt { return opt(func(c *config) { c.reconnectingAfter = d }) }

// CircuitBreaker sets the circuit breaker's thresholds; zero fields keep the defaults (10
// failures, 60 s, 5 probes).
func CircuitBreaker(cfg BreakerConfig) Opt { return opt(func(c *config) { c.breaker = cfg }) }

// ProbeInterval sets how often a half-open breaker pings Kafka; each ping is one probe.
// Default DefaultProbeInterval.
func ProbeInterval(d time.Duration) Opt { return opt(func(c *config) { c.probeInterval = d }) }

// QueueSize sets the frames queued per client, 1 to MaxQueueSize; when full, its oldest
// frame is dropped. Default DefaultQueueSize.
func QueueSize(n int) Opt { return opt(func(c *config) { c.queueSize = n }) }

// QueueBytes sets the most bytes of frames queued per client; a frame that does not fit
// drops the oldest frames until it does, each counted as a drop exactly like a full queue
// (dropped_frames_total{reason="queue_full"}, DisconnectAfterDrops); a frame larger than
// n is itself dropped. Default DefaultQueueBytes; New refuses a value outside
// MinQueueBytes..MaxQueueBytes.
func QueueBytes(n int64) Opt { return opt(func(c *config) { c.queueBytes = n }) }

// DisconnectAfterDrops disconnects a client (close code 1008) once n of its frames were
// dropped. Default 0: never, a slow client only loses its oldest frames.
func DisconnectAfterDrops(n int) Opt { return opt(func(c *config) { c.disconnectAfter = n }) }

// ReadLimit sets the largest inbound WebSocket message in bytes; a larger one closes
// the connection with code 1009. Default DefaultReadLimit.
func ReadLimit(n int64) Opt { return opt(func(c *config) { c.readLimit = n }) }

// WriteTimeout bounds the write of one frame; a client that does not read within it is
// disconnected. Default DefaultWriteTimeout.
func WriteTimeout(d time.Duration) Opt { return opt(func(c *config) { c.writeTimeout = d }) }

// AllowedOrigins adds host patterns (path.Match, matched against the Origin's host, or
// against scheme://host when the pattern has "://") of browser pages allowed to connect.
// A browser sends an Origin on every WebSocket handshake: without a pattern that matches
// it, the handshake is refused with 403, whatever the Host header says (a DNS-rebinding
// page has the server's own host in Host). Clients that send no Origin (non-browsers)
// are not affected. "*" allows every origin. A malformed pattern makes New fail.
func AllowedOrigins(patterns ...string) Opt {
	return opt(func(c *config) { c.origins = append(c.origins, patterns...) })
}

// TokenGrants requires a bearer token on /ws ("Authorization: Bearer <token>", or
// ?token=<token>) and lets each token read only the tenants g grants it: no or an
// unknown token is refused with 401, a known token asking for another tenant with 403.
// Default none: every client reads every tenant, for a server that only a trusted
// host can reach (the binary refuses to listen beyond loopback without grants unless
// told it runs unauthenticated). Tokens shorter than MinTokenLength make New fail.
func TokenGrants(g Grants) Opt { return opt(func(c *config) { c.grants = g }) }

// PingInterval sets how often each client is pinged. Default DefaultPingInterval.
func PingInterval(d time.Duration) Opt { return opt(func(c *config) { c.pingInterval = d }) }

// PingTimeout bounds the wait for a client's pong; a client that does not answer is
// disconnected (dashstream_ws_disconnects_total{reason="ping_timeout"}). Default
// DefaultPingTimeout.
func PingTimeout(d time.Duration) Opt { return opt(func(c *config) { c.pingTimeout = d }) }

// Backoff sets the retry policy of the Kafka client. Default
// backoff.New(backoff.Max(DefaultBackoffMax)).
func Backoff(p *backoff.Policy) Opt { return opt(func(c *config) { c.policy = p }) }

// DialTimeout bounds one broker dial. Default backoff.DefaultDialTimeout.
func DialTimeout(d time.Duration) Opt { return opt(func(c *config) { c.dialTimeout = d }) }

// DedupInterval sets how long a repeated Kafka error line is suppressed. Default 60 s.
func DedupInterval(d time.Duration) Opt { return opt(func(c *config) { c.dedup = d }) }

// ConsumerOpts appends reference consumer options, after the server's own (ResetOffset
// here changes where a fresh server starts; Registerer or OnRecord would break it).
func ConsumerOpts(opts ...consumer.Opt) Opt {
	return opt(func(c *config) { c.consumerOpts = append(c.consumerOpts, opts...) })
}

// ClientOpts appends franz-go options, after the server's own.
func ClientOpts(opts ...kgo.Opt) Opt {
	return opt(func(c *config) { c.clientOpts = append(c.clientOpts, opts...) })
}
