package chaos_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/chaos"
)

func TestMirrorDroppingLeavesExactlyOneHole(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			k := s.Kafka()
			from, to := uniqueTopic(t, "chaos-mirror-src"), uniqueTopic(t, "chaos-mirror-dst")
			createTopic(t, k, from, 2)
			cl := client(t, k)
			produceN(t, cl, append(thread(t, from, "t1", 15), thread(t, from, "t2", 5)...)...)
			produceN(t, cl, &kgo.Record{Topic: from, Key: []byte("t2"), Value: []byte("not dashstream")})

			m := chaos.MirrorDropping(k, from, to, chaos.DropSequence("t1", 7))
			tl := &timeline{}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			h, err := m.Inject(ctx, tl)
			require.NoError(t, err)
			chaos.UndoOnCleanup(t, h)
			require.NoError(t, m.Sync(ctx))

			// The mirror is live: records produced after it started are copied too.
			produceN(t, cl, message(t, from, "acme", "t1", 16), message(t, from, "acme", "t1", 17))
			require.NoError(t, m.Sync(ctx))

			c := m.Counts()
			require.Equal(t, 16+5+1, c.Copied)
			require.Equal(t, 1, c.Undecodable)
			require.Len(t, c.Dropped, 1)
			require.Equal(t, "t1", c.Dropped[0].Thread)
			require.Equal(t, uint64(7), c.Dropped[0].Sequence)

			seqs := map[string][]uint64{}
			for _, r := range consumeAll(t, k, to, c.Copied) {
				if string(r.Value) == "not dashstream" {
					continue
				}
				h := header(t, r)
				seqs[h.ThreadId] = append(seqs[h.ThreadId], h.Sequence)
			}
			require.Equal(t, []uint64{1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, seqs["t1"], "exactly one hole, at 7")
			require.Equal(t, []uint64{1, 2, 3, 4, 5}, seqs["t2"])

			require.NoError(t, h.Undo(ctx))
			require.NoError(t, h.Undo(ctx))
			tl.requireOneSpan(t, "message-drop")
			require.Contains(t, tl.ends[0], "22 copied, 1 dropped")

			produceN(t, cl, message(t, from, "acme", "t1", 18))
			require.ErrorIs(t, m.Sync(ctx), chaos.ErrMirrorStopped)
			_, err = m.Inject(ctx, nil)
			require.ErrorContains(t, err, "runs once")
		})
	}
}

func TestMirrorOfAMissingTopicInjectsNothing(t *testing.T) {
	k := openStack(t, "embedded").Kafka()
	tl := &timeline{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := chaos.MirrorDropping(k, uniqueTopic(t, "chaos-no-such"), uniqueTopic(t, "chaos-mirror-dst"), nil)
	h, err := m.Inject(ctx, tl)
	require.ErrorContains(t, err, "does not exist: create it first")
	require.Nil(t, h)
	require.Len(t, tl.ends, 1)
	require.ErrorIs(t, m.Sync(ctx), chaos.ErrMirrorStopped)
}
