package consumer

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/semaphore"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// TestBatchDecodeMatchesSerialDecode decodes polls of several sizes, valid and invalid
// records mixed, with 1 to 5 workers: every outcome is the one Decode gives for the record
// at the same index, and nothing from a previous, larger poll survives.
func TestBatchDecodeMatchesSerialDecode(t *testing.T) {
	enc := wire.NewEncoder()
	c := &Consumer{dec: wire.NewDecoder(), budget: semaphore.NewWeighted(DefaultDecodeBudget), budgetSize: DefaultDecodeBudget}
	value := func(i int) []byte {
		if i%7 == 3 {
			return []byte{0x09, byte(i)} // framing byte neither 0x00 nor 0x01
		}
		v, err := enc.Encode(&dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header: &dspb.Header{TenantId: "acme", ThreadId: fmt.Sprint("t", i%5), Sequence: uint64(i + 1)}}}})
		require.NoError(t, err)
		return v
	}
	var b batch
	for _, n := range []int{300, 1, 63, 64, 65, 129, 0} {
		for workers := 1; workers <= 5; workers++ {
			fetches := kgo.Fetches{{Topics: []kgo.FetchTopic{{Topic: "t", Partitions: []kgo.FetchPartition{{}}}}}}
			for i := range n {
				fetches[0].Topics[0].Partitions[0].Records = append(fetches[0].Topics[0].Partitions[0].Records,
					&kgo.Record{Offset: int64(i), Value: value(i)})
			}
			b.collect(fetches)
			var got []decoded
			b.process(c, workers, func(i int, d decoded) {
				require.Len(t, got, i, "handled in fetch order")
				got = append(got, d)
			})
			require.Len(t, b.records, n)
			require.Len(t, got, n)
			for i, r := range b.records {
				require.Equal(t, int64(i), r.Offset, "fetch order")
				require.Nil(t, b.out[i].msg, "record %d: a handled message is not kept", i)
				msg, err := c.dec.Decode(r.Value)
				if err != nil {
					require.EqualError(t, got[i].err, err.Error(), "n=%d workers=%d record %d", n, workers, i)
					require.Nil(t, got[i].msg)
					continue
				}
				require.NoError(t, got[i].err, "n=%d workers=%d record %d", n, workers, i)
				require.True(t, proto.Equal(msg, got[i].msg), "n=%d workers=%d record %d", n, workers, i)
			}
		}
	}
}
