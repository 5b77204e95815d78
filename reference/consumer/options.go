package consumer

import (
	"context"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Defaults of a Consumer.
const (
	// DefaultTopic is the topic consumed unless Topics says otherwise.
	DefaultTopic = "dashstream-events"
	// DefaultDLQTopic receives the records that fail to decode.
	DefaultDLQTopic = "dashstream-dlq"
	// DefaultDLQTimeout bounds the write of one record to the DLQ.
	DefaultDLQTimeout = 10 * time.Second
	// MaxMaxPayload is the largest MaxPayload a Consumer accepts (256 MiB).
	MaxMaxPayload = 256 << 20
	// DLQOverhead is what a dead-letter copy may carry beyond the maximum payload (key,
	// headers, batch framing): the client's producer batch cap is the maximum payload plus
	// DLQOverhead, so a record at the maximum payload is copied whole.
	DLQOverhead = 1 << 20
	// DefaultDecodeBudget is the most decoded bytes a Consumer holds at once.
	DefaultDecodeBudget = 64 << 20
	// MinDecodeBudget and MaxDecodeBudget bound DecodeBudget (1 MiB to 64 GiB).
	MinDecodeBudget = 1 << 20
	MaxDecodeBudget = 64 << 30
)

// Opt configures a Consumer. Options apply in order; a later option of the same kind
// wins, except ClientOpts, which accumulate.
type Opt interface{ apply(*config) }

type opt func(*config)

func (o opt) apply(c *config) { o(c) }

type config struct {
	brokers       []string
	topics        []string
	group         string
	dlq           string
	dlqTimeout    time.Duration
	reg           prometheus.Registerer
	log           *slog.Logger
	onRecord      func(context.Context, Record)
	onDecodeError func(context.Context, *kgo.Record, error)
	clientOpts    []kgo.Opt
	maxThreads    int
	maxPayload    int
	reset         kgo.Offset
	decoders      int
	budget        int64
}

func defaults() config {
	return config{
		topics:     []string{DefaultTopic},
		dlq:        DefaultDLQTopic,
		dlqTimeout: DefaultDLQTimeout,
		log:        slog.Default(),
		reset:      kgo.NewOffset().AtStart(),
		decoders:   runtime.GOMAXPROCS(0),
		budget:     DefaultDecodeBudget,
	}
}

// Brokers sets the Kafka bootstrap addresses (host:port). Without it, franz-go's
// default, 127.0.0.1:9092, is used.
func Brokers(addrs ...string) Opt { return opt(func(c *config) { c.brokers = addrs }) }

// Topics sets the topics to consume. Default DefaultTopic.
func Topics(topics ...string) Opt { return opt(func(c *config) { c.topics = topics }) }

// Group sets the consumer group. Empty (the default) means direct consumption of every
// partition from the reset offset, without committing; with a group, offsets of handled
// records are committed (every 5 s, on rebalance and when Run ends).
func Group(id string) Opt { return opt(func(c *config) { c.group = id }) }

// DLQTopic sets the topic undecodable records are copied to. Default DefaultDLQTopic;
// empty disables the copy (failures are still counted and logged).
func DLQTopic(topic string) Opt { return opt(func(c *config) { c.dlq = topic }) }

// DLQTimeout bounds the write of one record to the DLQ. Default DefaultDLQTimeout.
func DLQTimeout(d time.Duration) Opt { return opt(func(c *config) { c.dlqTimeout = d }) }

// Registerer sets where the metrics are registered. Default: a private registry, so
// several Consumers can coexist; New fails when the metrics already exist in r.
func Registerer(r prometheus.Registerer) Opt { return opt(func(c *config) { c.reg = r }) }

// Logger sets the structured logger for sequence anomalies and decode failures. Default
// slog.Default().
func Logger(l *slog.Logger) Opt { return opt(func(c *config) { c.log = l }) }

// OnRecord sets the callback for every decoded record, called from the poll loop in
// partition order, after the sequence verdict. It must not block for long: it holds up
// consumption.
func OnRecord(fn func(context.Context, Record)) Opt { return opt(func(c *config) { c.onRecord = fn }) }

// OnDecodeError sets the callback for every record that failed to decode (err is a
// *wire.DecodeError), called from the poll loop after the DLQ copy was attempted.
func OnDecodeError(fn func(context.Context, *kgo.Record, error)) Opt {
	return opt(func(c *config) { c.onDecodeError = fn })
}

// ClientOpts appends franz-go options (hooks, backoff, dialer); they apply after the
// consumer's own, so they can override them.
func ClientOpts(opts ...kgo.Opt) Opt {
	return opt(func(c *config) { c.clientOpts = append(c.clientOpts, opts...) })
}

// MaxThreads caps the threads the sequence validator tracks (sequence.MaxThreads);
// 0 keeps the validator's default.
func MaxThreads(n int) Opt { return opt(func(c *config) { c.maxThreads = n }) }

// MaxPayload sets the largest record value and decompressed content accepted
// (wire.MaxPayload); 0 keeps wire.DefaultMaxPayload. New refuses a value below 0 or
// above MaxMaxPayload.
func MaxPayload(n int) Opt { return opt(func(c *config) { c.maxPayload = n }) }

// ResetOffset sets where consumption starts when there is no committed offset, and where
// it resumes when its offset is out of range (records deleted under it). Default: the
// start of each partition.
func ResetOffset(o kgo.Offset) Opt { return opt(func(c *config) { c.reset = o }) }

// Decoders sets how many goroutines decode the records of one poll in parallel (default
// GOMAXPROCS; values below 1 mean 1). Records are still validated, counted and handed to
// OnRecord one at a time, in the order they were fetched: only the decoding is parallel.
func Decoders(n int) Opt { return opt(func(c *config) { c.decoders = max(n, 1) }) }

// DecodeBudget sets the most decoded bytes the Consumer holds at once, whatever the
// compression ratio of the records: decoded messages not yet handed to OnRecord, and
// those being decoded, counted at the size their content can reach before decompression
// starts (the size a zstd frame declares, or the maximum payload when it declares none).
// Default DefaultDecodeBudget; New refuses a value outside MinDecodeBudget..MaxDecodeBudget.
// A record larger than the budget is still decoded, alone.
func DecodeBudget(n int64) Opt { return opt(func(c *config) { c.budget = n }) }
