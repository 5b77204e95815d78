package chaos

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"

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
	// Expand, above 0, pads the event's node id so that the record's content decodes to
	// Expand bytes: the value is then a zstd frame the harness compresses itself, declaring
	// its content size, a few KiB on the wire (an amplification of about a thousand).
	Expand int
	// Plain, with Expand, frames the content uncompressed (0x00): the value itself is
	// Expand+1 bytes, as a record at the size limit is.
	Plain bool
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
	if h.Expand > 0 {
		return expandingValue(h)
	}
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

// expandingValue is a NODE_START event with header h whose protobuf content is exactly
// h.Expand bytes (the node id takes what the rest leaves), zstd-compressed by the harness.
func expandingValue(h ForgedHeader) ([]byte, error) {
	ev := &dspb.Event{
		Header: &dspb.Header{MessageId: bytes.Repeat([]byte{0xe8}, 16), TimestampUs: time.Now().UnixMicro(),
			TenantId: h.Tenant, ThreadId: h.Thread, Sequence: h.Sequence, Type: dspb.MessageType_MESSAGE_TYPE_EVENT,
			SchemaVersion: wire.SchemaVersion, Compression: dspb.CompressionType_COMPRESSION_TYPE_ZSTD},
		EventType: dspb.EventType_EVENT_TYPE_NODE_START,
	}
	msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: ev}}
	pad := h.Expand - proto.Size(msg)
	for range 3 { // the node id's length prefix grows with it: converge on the exact size
		ev.NodeId = strings.Repeat("x", max(pad, 0))
		pad += h.Expand - proto.Size(msg)
	}
	content, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("expanding value: %w", err)
	}
	if len(content) != h.Expand {
		return nil, fmt.Errorf("expanding value: content is %d bytes, not %d: choose a larger size", len(content), h.Expand)
	}
	if h.Plain {
		return append([]byte{0x00}, content...), nil
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("expanding value: %w", err)
	}
	defer enc.Close()
	return enc.EncodeAll(content, []byte{0x01}), nil
}
