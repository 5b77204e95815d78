package chaos_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/system/chaos"
)

// TestForgedRecordsCarryTheirHeaders forges a sequence 0 and an old sequence with each
// independent client, and a header for the corrupt records, and reads them back.
func TestForgedRecordsCarryTheirHeaders(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			k := s.Kafka()
			for _, via := range []chaos.Producer{chaos.Kcat, chaos.FranzGo} {
				t.Run(string(via), func(t *testing.T) {
					if via == chaos.Kcat && !chaos.KcatInstalled() {
						t.Skip("kcat is not installed: run scripts/ensure-packages kcat=kcat")
					}
					topic := uniqueTopic(t, "chaos-forged-"+string(via))
					createTopic(t, k, topic, 3)
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					headers := []chaos.ForgedHeader{
						{Tenant: "acme", Thread: "thread-1", Sequence: 0},
						{Tenant: "acme", Thread: "thread-2", Sequence: 7, Key: "thread-1"},
					}
					f := chaos.Forge(k, topic, headers, chaos.Via(via))
					tl := &timeline{}
					h, err := f.Inject(ctx, tl)
					require.NoError(t, err)
					require.Contains(t, f.Producer(), string(via))
					require.NoError(t, h.Undo(ctx))
					tl.requireOneSpan(t, "forged-records")

					c := chaos.Corrupt(k, topic, chaos.Garbage, 1, chaos.Via(via), chaos.Key("thread-1"), chaos.Header("origin", "test"))
					h, err = c.Inject(ctx, &timeline{})
					require.NoError(t, err)
					require.NoError(t, h.Undo(ctx))

					recs := consumeAll(t, k, topic, 3)
					require.Equal(t, recs[0].Partition, recs[1].Partition, "one key, one partition")
					require.Equal(t, recs[0].Partition, recs[2].Partition)
					dec := wire.NewDecoder()
					for i, want := range headers {
						msg, err := dec.Decode(recs[i].Value)
						require.NoError(t, err)
						got := wire.HeaderOf(msg)
						require.Equal(t, want.Tenant, got.GetTenantId())
						require.Equal(t, want.Thread, got.GetThreadId())
						require.Equal(t, want.Sequence, got.GetSequence())
						require.Equal(t, "thread-1", string(recs[i].Key))
					}
					require.Len(t, recs[2].Headers, 1)
					require.Equal(t, "origin", recs[2].Headers[0].Key)
					require.Equal(t, "test", string(recs[2].Headers[0].Value))
				})
			}
		})
	}
}
