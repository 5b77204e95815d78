package producer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// closeFlushTimeout bounds the flush Close does before closing the client.
const closeFlushTimeout = 10 * time.Second

// Ack is the outcome of one delivered message.
type Ack struct {
	// Topic, Partition and Offset locate the record in Kafka.
	Topic     string
	Partition int32
	Offset    int64
	// Thread and Sequence are the thread id and the sequence stamped in the header.
	Thread   string
	Sequence uint64
	// MessageID is the 16-byte UUID v4 stamped in the header.
	MessageID []byte
}

// Producer writes DashStream messages to Kafka, stamping and sequencing their headers.
// It is safe for concurrent use.
type Producer struct {
	cl     *kgo.Client
	enc    *wire.Encoder
	tenant string
	topic  string

	mu      sync.Mutex
	threads map[string]*threadSeq

	closeOnce sync.Once
}

// threadSeq is the sequence state of one thread; mu is held from sequence assignment
// until the record is in franz-go's buffer, so Kafka order is sequence order.
type threadSeq struct {
	mu   sync.Mutex
	last uint64
}

// New returns a Producer. The tenant is validated first: an invalid one is refused with
// an error matching ErrInvalidTenant, before any client exists or connects. New does no
// I/O; use Ping to check that the brokers answer.
func New(opts ...Opt) (*Producer, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := ValidateTenant(cfg.tenant); err != nil {
		return nil, fmt.Errorf("new producer: %w", err)
	}
	if cfg.topic == "" {
		return nil, fmt.Errorf("new producer: topic is empty: give Topic a name")
	}
	kopts := []kgo.Opt{
		kgo.DefaultProduceTopic(cfg.topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.AllowAutoTopicCreation(),
		// A broker that is restarting behind a proxy, a load balancer or Docker's port
		// forwarder accepts the connection and closes it before answering. franz-go takes
		// such an EOF for a TLS or SASL mismatch and fails the records; the idempotent
		// producer can retry it safely, so an outage of seconds loses nothing.
		kgo.AlwaysRetryEOF(),
	}
	if len(cfg.brokers) > 0 {
		kopts = append(kopts, kgo.SeedBrokers(cfg.brokers...))
	}
	cl, err := kgo.NewClient(append(kopts, cfg.clientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("new producer: kafka client: %w", err)
	}
	var encOpts []wire.EncoderOpt
	if cfg.compressed {
		encOpts = append(encOpts, wire.CompressThreshold(cfg.compress))
	}
	return &Producer{
		cl:      cl,
		enc:     wire.NewEncoder(encOpts...),
		tenant:  cfg.tenant,
		topic:   cfg.topic,
		threads: make(map[string]*threadSeq),
	}, nil
}

// NewFromEnv is New with options read from the environment first: KAFKA_BROKERS (comma
// list) and TENANT_ID. Environment values override the defaults and explicit opts override
// the environment. TENANT_ID set to the empty string is refused, not treated as unset.
func NewFromEnv(opts ...Opt) (*Producer, error) {
	return New(append(envOpts(), opts...)...)
}

// Tenant returns the tenant id stamped on every message.
func (p *Producer) Tenant() string { return p.tenant }

// Topic returns the topic records are written to.
func (p *Producer) Topic() string { return p.topic }

// Client returns the underlying franz-go client (for hooks, admin requests and tests).
// Producing through it bypasses sequencing.
func (p *Producer) Client() *kgo.Client { return p.cl }

// Ping checks that a broker answers a metadata request before ctx ends; give ctx a
// deadline, since an address that accepts and hangs answers nothing.
func (p *Producer) Ping(ctx context.Context) error {
	if err := p.cl.Ping(ctx); err != nil {
		return fmt.Errorf("ping kafka: %w", err)
	}
	return nil
}

// Send stamps msg's header (message id, timestamp, tenant, thread, next sequence of the
// thread, type, schema version), writes it and waits for the acknowledgement of all
// in-sync replicas or the end of ctx. msg is modified; it can be reused once Send
// returns. When ctx ends first the error wraps ctx.Err() and the record may still be
// delivered.
func (p *Producer) Send(ctx context.Context, thread string, msg *dspb.DashStreamMessage) (Ack, error) {
	type result struct {
		ack Ack
		err error
	}
	ch := make(chan result, 1)
	p.SendAsync(ctx, thread, msg, func(a Ack, err error) { ch <- result{a, err} })
	select {
	case r := <-ch:
		return r.ack, r.err
	case <-ctx.Done():
		return Ack{Thread: thread}, fmt.Errorf("send: outcome unknown: %w", ctx.Err())
	}
}

// SendAsync is Send without waiting: done is called once with the outcome, from a
// franz-go goroutine (never with the thread's lock held, so done may send again).
// Callbacks of delivered records of one thread run in sequence order. A nil done is allowed. msg can be reused
// once SendAsync returns.
func (p *Producer) SendAsync(ctx context.Context, thread string, msg *dspb.DashStreamMessage, done func(Ack, error)) {
	if done == nil {
		done = func(Ack, error) {}
	}
	if thread == "" {
		done(Ack{}, fmt.Errorf("send: %w", ErrEmptyThread))
		return
	}
	h, err := headerOf(msg)
	if err != nil {
		done(Ack{Thread: thread}, fmt.Errorf("send: %w", err))
		return
	}
	ts := p.thread(thread)
	ts.mu.Lock()
	seq := ts.last + 1
	stamp(h, msg, p.tenant, thread, seq)
	value, err := p.enc.Encode(msg)
	if err != nil {
		ts.mu.Unlock()
		done(Ack{Thread: thread}, fmt.Errorf("send: %w", err))
		return
	}
	ts.last = seq
	ack := Ack{Thread: thread, Sequence: seq, MessageID: h.MessageId}
	rec := &kgo.Record{
		Key:     []byte(thread),
		Value:   value,
		Headers: []kgo.RecordHeader{{Key: TenantHeader, Value: []byte(p.tenant)}},
	}
	// franz-go may run the promise inline (closed client, ended ctx); the lock is held
	// then, so hand such a callback to its own goroutine.
	var inline atomic.Bool
	inline.Store(true)
	p.cl.Produce(ctx, rec, func(r *kgo.Record, err error) {
		a := ack
		a.Topic, a.Partition, a.Offset = r.Topic, r.Partition, r.Offset
		if err != nil {
			err = fmt.Errorf("send %s seq %d: %w", thread, seq, err)
		}
		if inline.Load() {
			go done(a, err)
			return
		}
		done(a, err)
	})
	inline.Store(false)
	ts.mu.Unlock()
}

func (p *Producer) thread(id string) *threadSeq {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts, ok := p.threads[id]
	if !ok {
		ts = &threadSeq{}
		p.threads[id] = ts
	}
	return ts
}

// Flush waits until every buffered record is acknowledged or failed, or ctx ends.
func (p *Producer) Flush(ctx context.Context) error {
	if err := p.cl.Flush(ctx); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

// Close flushes buffered records for up to 10 s and closes the client; records still
// buffered after that fail. Safe to call twice.
func (p *Producer) Close() {
	p.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeFlushTimeout)
		defer cancel()
		_ = p.cl.Flush(ctx)
		p.cl.Close()
	})
}
