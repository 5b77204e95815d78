package chaos_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/system/chaos"
)

// TestCorruptRecordsFailToDecode produces every kind of corrupt record with each
// independent client and decodes what landed in the topic.
func TestCorruptRecordsFailToDecode(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			k := s.Kafka()
			const perKind = 2
			for _, via := range []chaos.Producer{chaos.Kcat, chaos.FranzGo} {
				t.Run(string(via), func(t *testing.T) {
					if via == chaos.Kcat && !chaos.KcatInstalled() {
						t.Skip("kcat is not installed: run scripts/ensure-packages kcat=kcat")
					}
					topic := uniqueTopic(t, "chaos-corrupt-"+string(via))
					createTopic(t, k, topic, 3)
					// A valid record of the thread shows which partition its key maps to.
					cl := client(t, k)
					valid := message(t, topic, "acme", "thread-1", 1)
					produceN(t, cl, valid)

					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					for _, kind := range chaos.Kinds() {
						c := chaos.Corrupt(k, topic, kind, perKind, chaos.Via(via), chaos.Key("thread-1"), chaos.Seed(7))
						tl := &timeline{}
						h, err := c.Inject(ctx, tl)
						require.NoError(t, err, kind)
						require.Contains(t, c.Producer(), string(via))
						require.Len(t, c.Sent(), perKind)
						require.NoError(t, h.Undo(ctx))
						require.NoError(t, h.Undo(ctx))
						tl.requireOneSpan(t, "corrupt-records")
						require.Contains(t, tl.starts[0], c.Producer(), "the timeline names the producing client")
					}

					recs := consumeAll(t, k, topic, 1+perKind*len(chaos.Kinds()))
					dec := wire.NewDecoder()
					for i, r := range recs[1:] {
						kind := chaos.Kinds()[i/perKind]
						require.Equal(t, valid.Partition, r.Partition, "%s: records keyed by the thread share its partition", kind)
						require.Equal(t, "thread-1", string(r.Key))
						_, err := dec.Decode(r.Value)
						require.Equal(t, kind.Reason(), wire.ReasonOf(err), "%s: %v", kind, err)
					}
					t.Logf("%s: largest record %d bytes", via, len(recs[len(recs)-1].Value))
				})
			}
		})
	}
}

func TestCorruptRejectsBadInput(t *testing.T) {
	s := openStack(t, "embedded")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []*chaos.Corruption{
		chaos.Corrupt(s.Kafka(), "t", "nonsense", 1),
		chaos.Corrupt(s.Kafka(), "t", chaos.Garbage, 0),
		chaos.Corrupt(s.Kafka(), "t", chaos.Garbage, 1, chaos.Via("netcat")),
	} {
		tl := &timeline{}
		h, err := c.Inject(ctx, tl)
		require.Error(t, err)
		require.Nil(t, h)
		require.Empty(t, tl.starts, "nothing was attempted: %v", err)
	}
}
