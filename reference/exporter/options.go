package exporter

import (
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
)

// Defaults of an Exporter.
const (
	// DefaultQualityTopic carries the quality events (Metrics messages, scope "quality").
	DefaultQualityTopic = "dashstream-quality"
	// DefaultLagInterval is how often the high watermarks are listed for the lag gauge.
	DefaultLagInterval = 5 * time.Second
	// DefaultMaxQualitySeries caps the dashstream_quality_* series kept in memory.
	DefaultMaxQualitySeries = 10_000
	// QualityScope is the Metrics.scope of a quality event.
	QualityScope = "quality"
)

// DefaultTopics are the topics consumed unless Topics says otherwise.
var DefaultTopics = []string{consumer.DefaultTopic, DefaultQualityTopic}

// Opt configures an Exporter. Options apply in order; a later option of the same kind
// wins, except ConsumerOpts and ClientOpts, which accumulate.
type Opt interface{ apply(*config) }

type opt func(*config)

func (o opt) apply(c *config) { o(c) }

type config struct {
	brokers      []string
	topics       []string
	group        string
	lagGroups    []string
	dlq          string
	log          *slog.Logger
	lagInterval  time.Duration
	policy       *backoff.Policy
	dialTimeout  time.Duration
	dedup        time.Duration
	flush        time.Duration // 0: dedup
	maxSeries    int
	maxTenants   int
	consumerOpts []consumer.Opt
	clientOpts   []kgo.Opt
}

func defaults() config {
	return config{
		topics:      DefaultTopics,
		dlq:         consumer.DefaultDLQTopic,
		log:         slog.Default(),
		lagInterval: DefaultLagInterval,
		dialTimeout: backoff.DefaultDialTimeout,
		dedup:       backoff.DefaultDedupInterval,
		maxSeries:   DefaultMaxQualitySeries,
		maxTenants:  DefaultMaxTenants,
	}
}

// Brokers sets the Kafka bootstrap addresses. Without it franz-go's default
// (127.0.0.1:9092) is used.
func Brokers(addrs ...string) Opt { return opt(func(c *config) { c.brokers = addrs }) }

// Topics sets the topics to consume. Default DefaultTopics.
func Topics(topics ...string) Opt { return opt(func(c *config) { c.topics = topics }) }

// Group sets a consumer group, so a restarted exporter resumes at its committed offsets.
// Default "": every partition from its start, nothing committed.
func Group(id string) Opt { return opt(func(c *config) { c.group = id }) }

// LagGroups names consumer groups of other applications whose lag the exporter reports
// too: dashstream_consumer_lag_records{group,topic,partition} is the partition's high
// watermark minus the group's committed offset, for every partition the group committed
// (or, for a group with members, was assigned). A group that does not exist has no series.
// Default none.
func LagGroups(groups ...string) Opt { return opt(func(c *config) { c.lagGroups = groups }) }

// DLQTopic sets where undecodable records are copied (consumer.DLQTopic). Default
// consumer.DefaultDLQTopic; empty disables the copy.
func DLQTopic(topic string) Opt { return opt(func(c *config) { c.dlq = topic }) }

// Logger sets the logger. Kafka connection failures go through a backoff.Dedup handler
// wrapped around its handler. Default slog.Default().
func Logger(l *slog.Logger) Opt { return opt(func(c *config) { c.log = l }) }

// LagInterval sets how often high watermarks are listed. Default DefaultLagInterval.
func LagInterval(d time.Duration) Opt { return opt(func(c *config) { c.lagInterval = d }) }

// Backoff sets the retry policy of the Kafka client. Default backoff.New() (250 ms to
// 30 s, jittered).
func Backoff(p *backoff.Policy) Opt { return opt(func(c *config) { c.policy = p }) }

// DialTimeout bounds one broker dial, DNS lookup included. Default
// backoff.DefaultDialTimeout.
func DialTimeout(d time.Duration) Opt { return opt(func(c *config) { c.dialTimeout = d }) }

// DedupInterval sets how long a repeated Kafka error line is suppressed. Default
// backoff.DefaultDedupInterval (60 s).
func DedupInterval(d time.Duration) Opt { return opt(func(c *config) { c.dedup = d }) }

// FlushInterval sets how often the counts of repeated Kafka error lines whose interval
// ended without a new repeat are written (backoff.Dedup.Flush). Default, or 0: the
// dedup interval. At shutdown every held count is written whatever its age.
func FlushInterval(d time.Duration) Opt { return opt(func(c *config) { c.flush = d }) }

// MaxQualitySeries caps the dashstream_quality_* series; the least recently updated is
// evicted for a new one. Default DefaultMaxQualitySeries.
func MaxQualitySeries(n int) Opt { return opt(func(c *config) { c.maxSeries = n }) }

// MaxTenants caps the distinct tenant label values: the first n valid tenants keep their
// own label, every later one is exported as OtherTenant. Default DefaultMaxTenants.
func MaxTenants(n int) Opt { return opt(func(c *config) { c.maxTenants = n }) }

// ConsumerOpts appends options of the reference consumer; they apply after the
// exporter's own (a Registerer or OnRecord given here would break the exporter).
func ConsumerOpts(opts ...consumer.Opt) Opt {
	return opt(func(c *config) { c.consumerOpts = append(c.consumerOpts, opts...) })
}

// ClientOpts appends franz-go options; they apply after the exporter's own.
func ClientOpts(opts ...kgo.Opt) Opt {
	return opt(func(c *config) { c.clientOpts = append(c.clientOpts, opts...) })
}
