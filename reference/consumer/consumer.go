package consumer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/semaphore"

	"github.com/dashstream/acceptance/reference/sequence"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// ErrRunning is returned by Run when another Run of the same Consumer is in progress.
var ErrRunning = errors.New("consumer is already running: call Run once")

// commitTimeout bounds the final commit when Run ends.
const commitTimeout = 5 * time.Second

// Record is one decoded DashStream message with its sequence verdict.
type Record struct {
	// Message is the decoded message; Header is its payload's header.
	Message *dspb.DashStreamMessage
	Header  *dspb.Header
	// Result is the sequence validator's verdict for (tenant, thread, sequence).
	Result sequence.Result
	// Topic, Partition and Offset locate the Kafka record.
	Topic     string
	Partition int32
	Offset    int64
	// Timestamp is the Kafka record timestamp; ReceivedAt when the consumer polled it.
	Timestamp  time.Time
	ReceivedAt time.Time
}

// Stats are all-time counts of a Consumer; they mirror its metrics.
type Stats struct {
	// Received counts decoded messages, whatever their verdict.
	Received uint64
	// DecodeFailures counts undecodable records by reason; every reason is present.
	DecodeFailures map[string]uint64
	// Gaps, Duplicates and Reorders count sequence anomalies; Missing sums gap sizes.
	Gaps, Duplicates, Reorders, Missing uint64
	// Zeros counts messages whose sequence was 0, a violation (sequence.Zero).
	Zeros uint64
	// DLQRecords and DLQFailures count copies to the DLQ topic that succeeded and failed.
	DLQRecords, DLQFailures uint64
}

// Consumer reads DashStream topics, validates sequences and copies undecodable records
// to a DLQ. Run, Stats, Client and Close are safe for concurrent use.
type Consumer struct {
	cfg    config
	cl     *kgo.Client
	dec    *wire.Decoder
	val    *sequence.Validator // used by the poll loop only
	polled batch               // used by the poll loop only
	// budget bounds the decoded bytes held at once (budgetSize); see batch.process.
	budget     *semaphore.Weighted
	budgetSize int64
	m          *metrics
	running    atomic.Bool

	mu    sync.Mutex
	stats Stats

	closeOnce sync.Once
}

// New returns a Consumer; it registers its metrics and creates the franz-go client but
// does no I/O.
func New(opts ...Opt) (*Consumer, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.budget < MinDecodeBudget || cfg.budget > MaxDecodeBudget {
		return nil, fmt.Errorf("new consumer: decode budget %d bytes is outside %d..%d: give DecodeBudget a value in that range", cfg.budget, int64(MinDecodeBudget), int64(MaxDecodeBudget))
	}
	if len(cfg.topics) == 0 {
		return nil, fmt.Errorf("new consumer: no topics: give Topics at least one")
	}
	if cfg.maxPayload < 0 || cfg.maxPayload > MaxMaxPayload {
		return nil, fmt.Errorf("new consumer: max payload %d is out of range: use 0 (the default, %d) to %d bytes",
			cfg.maxPayload, wire.DefaultMaxPayload, MaxMaxPayload)
	}
	if cfg.reg == nil {
		cfg.reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(cfg.reg)
	if err != nil {
		return nil, fmt.Errorf("new consumer: %w", err)
	}
	kopts := []kgo.Opt{
		kgo.ConsumeTopics(cfg.topics...),
		kgo.ConsumeResetOffset(cfg.reset),
		kgo.AllowAutoTopicCreation(),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	}
	kopts = append(kopts, dlqBatchOpts(cfg.maxPayload)...)
	if len(cfg.brokers) > 0 {
		kopts = append(kopts, kgo.SeedBrokers(cfg.brokers...))
	}
	if cfg.group != "" {
		kopts = append(kopts, kgo.ConsumerGroup(cfg.group), kgo.AutoCommitMarks())
	}
	cl, err := kgo.NewClient(append(kopts, cfg.clientOpts...)...)
	if err != nil {
		m.unregister()
		return nil, fmt.Errorf("new consumer: kafka client: %w", err)
	}
	var decOpts []wire.DecoderOpt
	if cfg.maxPayload > 0 {
		decOpts = append(decOpts, wire.MaxPayload(cfg.maxPayload))
	}
	var valOpts []sequence.Opt
	if cfg.maxThreads > 0 {
		valOpts = append(valOpts, sequence.MaxThreads(cfg.maxThreads))
	}
	c := &Consumer{cfg: cfg, cl: cl, dec: wire.NewDecoder(decOpts...), val: sequence.NewValidator(valOpts...), m: m,
		budget: semaphore.NewWeighted(cfg.budget), budgetSize: cfg.budget}
	c.stats.DecodeFailures = make(map[string]uint64, len(Reasons))
	for _, r := range Reasons {
		c.stats.DecodeFailures[r] = 0
	}
	return c, nil
}

// dlqBatchOpts raises franz-go's producer batch cap (1 MB by default) to the maximum
// payload plus DLQOverhead, so that the dead-letter copy of any record the decoder could
// have accepted fits in a batch, and the request cap with it.
func dlqBatchOpts(maxPayload int) []kgo.Opt {
	if maxPayload <= 0 {
		maxPayload = wire.DefaultMaxPayload
	}
	batch := maxPayload + DLQOverhead
	return []kgo.Opt{kgo.ProducerBatchMaxBytes(int32(batch)), kgo.BrokerMaxWriteBytes(int32(max(100<<20, batch+DLQOverhead)))}
}

// Client returns the underlying franz-go client (to pause partitions, ping, or admin).
func (c *Consumer) Client() *kgo.Client { return c.cl }

// Stats returns a copy of the all-time counts.
func (c *Consumer) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.DecodeFailures = maps.Clone(c.stats.DecodeFailures)
	return s
}

// Run polls and handles records until ctx ends or the client is closed (both return
// nil) or a fatal error (authorization) occurs. With a group it commits the offsets of
// handled records before returning. Only one Run may be in progress.
func (c *Consumer) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)
	defer c.commit()
	for {
		fetches := c.cl.PollFetches(ctx)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return nil
		}
		var fatal error
		fetches.EachError(func(topic string, p int32, err error) {
			if isFatal(err) {
				fatal = fmt.Errorf("consume %s/%d: %w", topic, p, err)
				return
			}
			c.cfg.log.Warn("fetch error", "topic", topic, "partition", p, "error", err)
		})
		if fatal != nil {
			return fatal
		}
		now := time.Now()
		c.polled.collect(fetches)
		c.polled.process(c, c.cfg.decoders, func(i int, d decoded) {
			c.handle(ctx, c.polled.records[i], now, d)
		})
		c.polled.reset() // the records and messages are not kept while the next poll waits
	}
}

// isFatal reports errors that retrying cannot fix.
func isFatal(err error) bool {
	return errors.Is(err, kerr.TopicAuthorizationFailed) || errors.Is(err, kerr.GroupAuthorizationFailed) ||
		errors.Is(err, kerr.SaslAuthenticationFailed)
}

func (c *Consumer) commit() {
	if c.cfg.group == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	if err := c.cl.CommitMarkedOffsets(ctx); err != nil && !errors.Is(err, kgo.ErrClientClosed) {
		c.cfg.log.Warn("commit offsets", "group", c.cfg.group, "error", err)
	}
}

// Close closes the client (leaving the group) and unregisters the metrics. Safe to call
// twice; a Run in progress returns nil.
func (c *Consumer) Close() {
	c.closeOnce.Do(func() {
		c.cl.Close()
		c.m.unregister()
	})
}
