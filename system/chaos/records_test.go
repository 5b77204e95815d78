package chaos_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
)

// message returns a DashStream record of thread with sequence seq, keyed by thread.
func message(t *testing.T, topic, tenant, thread string, seq uint64) *kgo.Record {
	t.Helper()
	id := uuid.New()
	v, err := wire.NewEncoder().Encode(&dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		Header: &dspb.Header{MessageId: id[:], TimestampUs: time.Now().UnixMicro(), TenantId: tenant, ThreadId: thread,
			Sequence: seq, Type: dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: wire.SchemaVersion},
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "node",
	}}})
	require.NoError(t, err)
	return &kgo.Record{Topic: topic, Key: []byte(thread), Value: v}
}

// thread returns records 1..n of thread.
func thread(t *testing.T, topic, name string, n int) []*kgo.Record {
	t.Helper()
	var out []*kgo.Record
	for seq := 1; seq <= n; seq++ {
		out = append(out, message(t, topic, "acme", name, uint64(seq)))
	}
	return out
}

func header(t *testing.T, r *kgo.Record) *dspb.Header {
	t.Helper()
	msg, err := wire.NewDecoder().Decode(r.Value)
	require.NoError(t, err)
	return wire.HeaderOf(msg)
}

func TestDeleteBelowMovesTheFirstOffset(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			k := s.Kafka()
			topic := uniqueTopic(t, "chaos-delete")
			createTopic(t, k, topic, 1)
			produceN(t, client(t, k), thread(t, topic, "t1", 10)...)

			f := chaos.DeleteBelow(k, topic, 0, 4)
			require.Equal(t, []stack.Capability{stack.DeleteRecords}, f.Needs())
			tl := &timeline{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			h, err := f.Inject(ctx, tl)
			require.NoError(t, err)

			recs := consumeAll(t, k, topic, 6)
			require.Equal(t, int64(4), recs[0].Offset, "a consumer from the start begins at the new log start offset")
			require.Equal(t, uint64(5), header(t, recs[0]).Sequence)

			require.NoError(t, h.Undo(ctx))
			require.NoError(t, h.Undo(ctx))
			tl.requireOneSpan(t, "delete-records")
			require.Contains(t, tl.ends[0], "log start offset is 4")
		})
	}
}

func TestDeleteBelowFailsOnAMissingTopic(t *testing.T) {
	s := openStack(t, "embedded")
	tl := &timeline{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := chaos.DeleteBelow(s.Kafka(), "chaos-no-such-topic", 0, 1).Inject(ctx, tl)
	require.Error(t, err)
	require.Nil(t, h)
	require.Len(t, tl.starts, 1)
	require.Len(t, tl.ends, 1, "a failed injection closes its span at once")
	require.Contains(t, tl.ends[0], "inject failed")
}

func TestOffsetOfSequence(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			k := s.Kafka()
			topic := uniqueTopic(t, "chaos-offset")
			createTopic(t, k, topic, 3)
			cl := client(t, k)
			produceN(t, cl, append(thread(t, topic, "t1", 10), thread(t, topic, "t2", 10)...)...)
			produceN(t, cl, &kgo.Record{Topic: topic, Key: []byte("t1"), Value: []byte("not dashstream")})

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			p, off, err := chaos.OffsetOfSequence(ctx, k, topic, "t1", 7)
			require.NoError(t, err)
			var found *kgo.Record
			for _, r := range consumeAll(t, k, topic, 21) {
				if r.Partition == p && r.Offset == off {
					found = r
				}
			}
			require.NotNil(t, found, "partition %d offset %d", p, off)
			h := header(t, found)
			require.Equal(t, "t1", h.ThreadId)
			require.Equal(t, uint64(7), h.Sequence)

			_, _, err = chaos.OffsetOfSequence(ctx, k, topic, "t1", 11)
			require.ErrorIs(t, err, chaos.ErrNotFound)
		})
	}
}
