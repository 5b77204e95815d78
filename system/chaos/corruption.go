package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/system/stack"
)

// Producer names the client that writes corrupt records.
type Producer string

// The producers of corrupt records.
const (
	// AnyProducer is kcat when it is installed, franz-go otherwise.
	AnyProducer Producer = ""
	// Kcat is Debian's kcat (librdkafka), a client independent of the pipeline's.
	Kcat Producer = "kcat"
	// FranzGo is a raw franz-go client, with no DashStream encoding.
	FranzGo Producer = "franz-go"
)

// DefaultCorruptKey is the record key of corrupt records unless Key says otherwise.
const DefaultCorruptKey = "chaos-corrupt"

// CorruptOpt configures Corrupt.
type CorruptOpt interface{ applyCorrupt(*corruptConfig) }

type corruptConfig struct {
	via        Producer
	key        string
	maxPayload int
	seed       uint64
	headers    [][2]string
}

type corruptOpt func(*corruptConfig)

func (f corruptOpt) applyCorrupt(c *corruptConfig) { f(c) }

// Via picks the client that produces the records (default AnyProducer).
func Via(p Producer) CorruptOpt { return corruptOpt(func(c *corruptConfig) { c.via = p }) }

// Key sets the record key (default DefaultCorruptKey). Use a thread id to put the records
// on that thread's partition: both producers partition keys like the Java client
// (murmur2), as franz-go and the reference producer do.
func Key(k string) CorruptOpt { return corruptOpt(func(c *corruptConfig) { c.key = k }) }

// PayloadLimit is the consumer's maximum payload that Oversized records exceed by 1 KiB
// (default wire.DefaultMaxPayload).
func PayloadLimit(n int) CorruptOpt { return corruptOpt(func(c *corruptConfig) { c.maxPayload = n }) }

// Header adds a record header key=value to every record (repeatable), so a copy of the
// record (a dead-letter queue) can be checked to carry the original's headers.
func Header(key, value string) CorruptOpt {
	return corruptOpt(func(c *corruptConfig) { c.headers = append(c.headers, [2]string{key, value}) })
}

// Seed fixes the random bytes of Garbage records (default: a random seed, written on the
// timeline so a run can be repeated).
func Seed(s uint64) CorruptOpt { return corruptOpt(func(c *corruptConfig) { c.seed = s }) }

// SentRecord is one corrupt record Corrupt produced.
type SentRecord struct {
	Kind  Kind
	Key   string
	Value []byte
	// Partition and Offset are where the record landed; -1 when kcat produced it (kcat
	// does not report them).
	Partition int32
	Offset    int64
}

// Corruption is the fault of records that are not valid DashStream, produced by a client
// independent of the pipeline. Create it with Corrupt.
type Corruption struct {
	k     stack.Kafka
	topic string
	kind  Kind
	count int
	cfg   corruptConfig

	mu   sync.Mutex
	sent []SentRecord
	via  string
}

// Corrupt returns a fault that produces count records of kind into topic. Inject
// produces them and returns when every one was acknowledged (or fails); the records
// cannot be taken back, so Undo does nothing but record the fault's end. Sent and
// Producer report what was sent, and how.
func Corrupt(k stack.Kafka, topic string, kind Kind, count int, opts ...CorruptOpt) *Corruption {
	cfg := corruptConfig{key: DefaultCorruptKey, maxPayload: wire.DefaultMaxPayload, seed: rand.Uint64()}
	for _, o := range opts {
		o.applyCorrupt(&cfg)
	}
	return &Corruption{k: k, topic: topic, kind: kind, count: count, cfg: cfg}
}

// Name implements Fault.
func (c *Corruption) Name() string { return "corrupt-records" }

// Needs implements Fault: producing records needs no special capability.
func (c *Corruption) Needs() []stack.Capability { return nil }

// Sent returns the records produced so far.
func (c *Corruption) Sent() []SentRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]SentRecord(nil), c.sent...)
}

// Producer describes the client that produced the records ("kcat 1.7.1 (librdkafka
// 2.0.2)", "franz-go v1.22.3"), or "" before Inject.
func (c *Corruption) Producer() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.via
}

// Inject implements Fault.
func (c *Corruption) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	if _, err := ParseKind(string(c.kind)); err != nil {
		return nil, fmt.Errorf("inject %s: %w", c.Name(), err)
	}
	if c.count < 1 {
		return nil, fmt.Errorf("inject %s: count is %d: produce at least 1 record", c.Name(), c.count)
	}
	via, send, err := c.producer()
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", c.Name(), err)
	}
	rng := rand.New(rand.NewPCG(c.cfg.seed, c.cfg.seed))
	values := make([][]byte, c.count)
	for i := range values {
		if values[i], err = c.kind.Value(rng, c.cfg.maxPayload, c.cfg.key); err != nil {
			return nil, fmt.Errorf("inject %s: %w", c.Name(), err)
		}
	}
	detail := fmt.Sprintf("%d %s records (a decoder reports %s) into %s, key %q, via %s, seed %d",
		c.count, c.kind, c.kind.Reason(), c.topic, c.cfg.key, via, c.cfg.seed)
	return inject(ctx, tl, c.Name(), detail, func(ctx context.Context) (injection, error) {
		sent, err := send(ctx, values)
		c.mu.Lock()
		c.via = via
		c.sent = append(c.sent, sent...)
		c.mu.Unlock()
		if err != nil {
			return injection{}, err
		}
		note := func() string { return fmt.Sprintf("%d %s records stay in %s", c.count, c.kind, c.topic) }
		return injection{endNote: note}, nil
	}, nil)
}

// producer picks the client: its description and a function producing values.
func (c *Corruption) producer() (string, func(context.Context, [][]byte) ([]SentRecord, error), error) {
	via := c.cfg.via
	if via == AnyProducer {
		via = FranzGo
		if kcatInstalled() {
			via = Kcat
		}
	}
	switch via {
	case Kcat:
		v, err := kcatVersion()
		if err != nil {
			return "", nil, err
		}
		return v, c.sendKcat, nil
	case FranzGo:
		return "franz-go " + franzVersion(), c.sendFranz, nil
	}
	return "", nil, fmt.Errorf("producer %q: unknown: use %q or %q", via, Kcat, FranzGo)
}
