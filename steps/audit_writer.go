package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/steps/evidence"
)

// independentWritesSequences writes one thread of events with the given sequence runs,
// framed by the harness itself (plain framing byte + protobuf), so the hole between the
// runs is known exactly.
func independentWritesSequences(ctx context.Context, a, b, c, d int) error {
	var seqs []int
	for s := a; s <= b; s++ {
		seqs = append(seqs, s)
	}
	for s := c; s <= d; s++ {
		seqs = append(seqs, s)
	}
	if err := writeThread(ctx, seqs, true); err != nil {
		return err
	}
	w := world(ctx)
	w.rec.Evidence(evidence.During, evidence.KindNote, "independent thread", map[string]any{
		"thread": w.thread, "sequences": seqs, "missing": max(c-b-1, 0)})
	return nil
}

// independentWritesUnstamped writes n events whose header has no timestamp_us (0).
func independentWritesUnstamped(ctx context.Context, n int) error {
	seqs := make([]int, n)
	for i := range seqs {
		seqs[i] = i + 1
	}
	if err := writeThread(ctx, seqs, false); err != nil {
		return err
	}
	world(ctx).rec.Evidence(evidence.During, evidence.KindNote, "independent events without timestamp_us", map[string]any{"count": n})
	return nil
}

// writeThread writes events of the scenario's thread with the sequences given, each
// acknowledged before the next; stamped says whether timestamp_us is set.
func writeThread(ctx context.Context, seqs []int, stamped bool) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	cl, err := w.stack.Kafka().Client(kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		return err
	}
	defer cl.Close()
	for _, s := range seqs {
		id := uuid.New()
		h := &dspb.Header{MessageId: id[:], TenantId: "default", ThreadId: w.thread, Sequence: uint64(s),
			Type: dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: 1}
		if stamped {
			h.TimestampUs = time.Now().UnixMicro()
		}
		msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header: h, EventType: dspb.EventType_EVENT_TYPE_GRAPH_START, NodeId: "audit"}}}
		body, err := proto.Marshal(msg)
		if err != nil {
			return fmt.Errorf("marshal sequence %d: %w", s, err)
		}
		rec := &kgo.Record{Key: []byte(w.thread), Value: append([]byte{0x00}, body...)}
		if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			return fmt.Errorf("write sequence %d: %w", s, err)
		}
	}
	return nil
}
