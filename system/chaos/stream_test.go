package chaos_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

// TestCorruptStreamWritesUntilUndone runs a stream of garbage records, undoes it, and reads
// back exactly the records it says it wrote, each the kind's bytes.
func TestCorruptStreamWritesUntilUndone(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			k := openStack(t, name).Kafka()
			topic := uniqueTopic(t, "chaos-stream")
			createTopic(t, k, topic, 1)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s := chaos.CorruptStream(k, topic, chaos.Garbage, 20*time.Millisecond, "thread-1")
			tl := &timeline{}
			h, err := s.Inject(ctx, tl)
			require.NoError(t, err)
			require.Eventually(t, func() bool { return s.Written() >= 5 }, 30*time.Second, 10*time.Millisecond,
				"the stream writes on its own after Inject")
			require.NoError(t, h.Undo(ctx))
			tl.requireOneSpan(t, "corrupt-stream")
			n := s.Written()
			recs := consumeAll(t, k, topic, int(n))
			for _, r := range recs {
				require.Equal(t, recs[0].Value, r.Value, "one corrupt value, written again and again")
				require.Equal(t, "corrupt", string(r.Key))
			}
			_, err = wiredecode.New().Decode(recs[0].Value)
			require.ErrorIs(t, err, wiredecode.ErrFraming, "a garbage record is a framing error (Kind.Reason)")
			require.Equal(t, n, s.Written(), "nothing is written after Undo")

			_, err = chaos.CorruptStream(k, topic, chaos.Garbage, 0, "t").Inject(ctx, nil)
			require.ErrorContains(t, err, "give a positive interval")
		})
	}
}

// TestReplayCopiesARecordByteForByte produces three records, replays the second, and reads
// the copy back after them.
func TestReplayCopiesARecordByteForByte(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			k := openStack(t, name).Kafka()
			topic := uniqueTopic(t, "chaos-replay")
			createTopic(t, k, topic, 1)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cl := client(t, k)
			for i := range 3 {
				r := &kgo.Record{Topic: topic, Key: []byte("thread-1"), Value: bytes.Repeat([]byte{byte('a' + i)}, 10),
					Headers: []kgo.RecordHeader{{Key: "n", Value: []byte{byte(i)}}}}
				require.NoError(t, cl.ProduceSync(ctx, r).FirstErr())
			}
			tl := &timeline{}
			h, err := chaos.Replay(k, topic, 0, 1).Inject(ctx, tl)
			require.NoError(t, err)
			require.NoError(t, h.Undo(ctx))
			tl.requireOneSpan(t, "replay")
			recs := consumeAll(t, k, topic, 4)
			require.Equal(t, recs[1].Value, recs[3].Value)
			require.Equal(t, recs[1].Key, recs[3].Key)
			require.Equal(t, recs[1].Headers, recs[3].Headers)

			_, err = chaos.Replay(k, topic, 0, 9).Inject(ctx, nil)
			require.Error(t, err, "no record at offset 9")
		})
	}
}
