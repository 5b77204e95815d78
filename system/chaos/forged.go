package chaos

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/system/stack"
)

// ForgedHeader is the part of a DashStream header a Forgery sets by hand, and the
// record's key: the thread id unless Key is set (records of several threads with one
// Key land on one partition, in the order written).
type ForgedHeader struct {
	Tenant, Thread string
	Sequence       uint64
	Key            string
}

// Forgery is the fault of valid DashStream records whose header the harness chose (a
// sequence 0, an old sequence never written, a thread restarted at 1), produced by a
// client independent of the pipeline (kcat where installed, as Corrupt). Each record is
// keyed by its thread, so it lands on the thread's partition after what is already there.
// Create it with Forge.
type Forgery struct {
	c       *Corruption
	headers []ForgedHeader
}

// Forge returns a fault that produces one valid NODE_START event per header into topic,
// in order. The Key option is ignored: each record's key is its header's Key or thread id. Like Corrupt, Inject
// returns when every record was acknowledged; the records stay, so Undo only ends the
// span.
func Forge(k stack.Kafka, topic string, headers []ForgedHeader, opts ...CorruptOpt) *Forgery {
	return &Forgery{c: Corrupt(k, topic, "forged", len(headers), opts...), headers: headers}
}

// Name implements Fault.
func (f *Forgery) Name() string { return "forged-records" }

// Needs implements Fault: producing records needs no special capability.
func (f *Forgery) Needs() []stack.Capability { return nil }

// Producer describes the client that produced the records, or "" before Inject.
func (f *Forgery) Producer() string { return f.c.Producer() }

// Inject implements Fault.
func (f *Forgery) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	if len(f.headers) == 0 {
		return nil, fmt.Errorf("inject %s: no headers: forge at least 1 record", f.Name())
	}
	via, send, err := f.c.producer()
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", f.Name(), err)
	}
	var what []string
	for _, h := range f.headers {
		what = append(what, fmt.Sprintf("%s/%s seq %d", h.Tenant, h.Thread, h.Sequence))
	}
	detail := fmt.Sprintf("%d forged records (%s) into %s via %s", len(f.headers), strings.Join(what, ", "), f.c.topic, via)
	return inject(ctx, tl, f.Name(), detail, func(ctx context.Context) (injection, error) {
		for _, h := range f.headers { // one send per record: its key is its thread
			v, err := forgedValue(h)
			if err != nil {
				return injection{}, err
			}
			f.c.cfg.key = h.Thread
			if h.Key != "" {
				f.c.cfg.key = h.Key
			}
			if _, err := send(ctx, [][]byte{v}); err != nil {
				return injection{}, err
			}
		}
		f.c.mu.Lock()
		f.c.via = via
		f.c.mu.Unlock()
		note := func() string { return fmt.Sprintf("%d forged records stay in %s", len(f.headers), f.c.topic) }
		return injection{endNote: note}, nil
	}, nil)
}

// forgedValue encodes a NODE_START event with header h.
func forgedValue(h ForgedHeader) ([]byte, error) {
	ev := &dspb.Event{
		Header: &dspb.Header{MessageId: bytes.Repeat([]byte{0xf0}, 16), TimestampUs: time.Now().UnixMicro(),
			TenantId: h.Tenant, ThreadId: h.Thread, Sequence: h.Sequence, Type: dspb.MessageType_MESSAGE_TYPE_EVENT,
			SchemaVersion: wire.SchemaVersion},
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "forged",
	}
	v, err := wire.NewEncoder().Encode(&dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: ev}})
	if err != nil {
		return nil, fmt.Errorf("forged value: %w", err)
	}
	return v, nil
}
