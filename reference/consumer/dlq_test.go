package consumer_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/consumertest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/sequence"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// produceRaw writes values to partition 0 of topic in order, bypassing the producer.
func produceRaw(t *testing.T, addrs []string, values ...[]byte) {
	t.Helper()
	cl := kfaketest.Client(t, addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, v := range values {
		r := &kgo.Record{Topic: topic, Partition: 0, Key: []byte("k"), Value: v,
			Headers: []kgo.RecordHeader{{Key: "tenant_id", Value: []byte("acme")}}}
		require.NoError(t, cl.ProduceSync(ctx, r).FirstErr())
	}
}

func valid(t *testing.T, thread string, seq uint64) []byte {
	t.Helper()
	msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		Header: &dspb.Header{TenantId: "acme", ThreadId: thread, Sequence: seq, MessageId: make([]byte, 16)}}}}
	v, err := wire.NewEncoder().Encode(msg)
	require.NoError(t, err)
	return v
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return "<missing>"
}

func TestUndecodableRecordGoesToDLQWithProvenance(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, topic)
	garbage := []byte("not dashstream")
	produceRaw(t, addrs, valid(t, "t", 1), garbage, valid(t, "t", 2))
	run := consumertest.Start(t, addrs)
	stats := run.WaitStats(t, 10*time.Second, "two messages and one DLQ copy", func(s consumer.Stats) bool {
		return s.Received == 2 && s.DLQRecords == 1
	})
	require.Equal(t, uint64(1), stats.DecodeFailures[wire.ReasonFraming])
	require.Zero(t, stats.Gaps, "a bad record between two messages is not a gap")

	dlq := kfaketest.ReadN(t, addrs, consumer.DefaultDLQTopic, 1, 10*time.Second)[0]
	require.Equal(t, garbage, dlq.Value)
	require.Equal(t, "k", string(dlq.Key))
	require.Equal(t, wire.ReasonFraming, header(dlq, consumer.HeaderDLQReason))
	require.Contains(t, header(dlq, consumer.HeaderDLQError), "first byte 0x6e")
	require.Equal(t, topic, header(dlq, consumer.HeaderSourceTopic))
	require.Equal(t, "0", header(dlq, consumer.HeaderSourcePartition))
	require.Equal(t, "1", header(dlq, consumer.HeaderSourceOffset))
	require.Equal(t, "acme", header(dlq, "tenant_id"), "the original headers follow")

	require.Equal(t, 1.0, run.Metric(t, consumer.MetricDLQRecords, nil))
	require.Equal(t, 1.0, run.Metric(t, consumer.MetricDecodeFailures, map[string]string{"reason": wire.ReasonFraming}))
	require.Len(t, run.DecodeErrors(), 1)
	logs := run.Logs.Find("undecodable record")
	require.Len(t, logs, 1)
	require.Equal(t, wire.ReasonFraming, logs[0].Attrs["reason"])
	require.Equal(t, int64(1), logs[0].Attrs["offset"])
}

func TestFailedDLQCopyIsCountedAndConsumptionContinues(t *testing.T) {
	// No auto-creation here: the DLQ topic does not exist, so the copy cannot succeed.
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	produceRaw(t, addrs, []byte{0x07}, valid(t, "t", 1))
	run := consumertest.Start(t, addrs, consumer.DLQTimeout(time.Second))
	stats := run.WaitStats(t, 10*time.Second, "the failed copy and the next message", func(s consumer.Stats) bool {
		return s.DLQFailures == 1 && s.Received == 1
	})
	require.Zero(t, stats.DLQRecords)
	require.Equal(t, 1.0, run.Metric(t, consumer.MetricDLQFailures, nil))
	require.Len(t, run.Logs.Find("dead-letter copy failed"), 1)
}

func TestDLQDisabled(t *testing.T) {
	c, addrs := kfaketest.Cluster(t, 1, topic)
	produceRaw(t, addrs, []byte{0x07}, valid(t, "t", 1))
	run := consumertest.Start(t, addrs, consumer.DLQTopic(""))
	stats := run.WaitReceived(t, 1, 10*time.Second)
	require.Equal(t, uint64(1), stats.DecodeFailures[wire.ReasonFraming])
	require.Zero(t, stats.DLQRecords+stats.DLQFailures)
	require.Zero(t, kfaketest.Count(t, c, consumer.DefaultDLQTopic))
}

// TestVerdictsDoNotDependOnDecoders reads one partition holding valid records of five
// threads with a gap, a duplicate and undecodable records among them, all written before
// the consumer starts so that a poll holds hundreds of records: with 1 and 4 decoders
// the consumer reports the same verdicts and decode failures, in offset order.
func TestVerdictsDoNotDependOnDecoders(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, topic)
	var values [][]byte
	next := map[string]uint64{}
	for i := range 400 {
		th := fmt.Sprint("t", i%5)
		next[th]++
		switch {
		case i == 101:
			next[th]++ // a gap of one on t1
		case i == 250:
			next[th]-- // t0 sends its previous sequence again
		case i%50 == 7:
			values = append(values, []byte{0x09}) // undecodable
		}
		values = append(values, valid(t, th, next[th]))
	}
	produceRaw(t, addrs, values...)

	type outcome struct {
		offset  int64
		thread  string
		verdict sequence.Verdict
	}
	read := func(decoders int) ([]outcome, consumer.Stats) {
		run := consumertest.Start(t, addrs, consumer.Decoders(decoders), consumer.DLQTopic(""))
		stats := run.WaitStats(t, 10*time.Second, "every record handled", func(s consumer.Stats) bool {
			return s.Received+s.DecodeFailures[wire.ReasonFraming] == uint64(len(values))
		})
		var got []outcome
		for _, r := range run.Records() {
			got = append(got, outcome{r.Offset, r.Header.ThreadId, r.Result.Verdict})
		}
		require.True(t, slices.IsSortedFunc(got, func(a, b outcome) int { return cmp.Compare(a.offset, b.offset) }), "offset order")
		return got, stats
	}
	serial, serialStats := read(1)
	parallel, parallelStats := read(4)
	require.Equal(t, serial, parallel)
	require.Equal(t, serialStats, parallelStats)
	require.Equal(t, uint64(1), serialStats.Gaps)
	require.Equal(t, uint64(1), serialStats.Duplicates)
	require.Equal(t, uint64(8), serialStats.DecodeFailures[wire.ReasonFraming])
}

// TestDeadLetterAtTheMaximumPayloadIsCopiedWhole: a record whose value is exactly the
// maximum payload (undecodable: a wrong framing byte) is copied to the DLQ byte for byte,
// though it is ten times franz-go's default batch cap.
func TestDeadLetterAtTheMaximumPayloadIsCopiedWhole(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.SeedTopics(1, topic),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": fmt.Sprint(wire.DefaultMaxPayload + consumer.DLQOverhead)}))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	big := make([]byte, wire.DefaultMaxPayload)
	for i := range big {
		big[i] = byte(i*7 + 3)
	}
	big[0] = 0x07 // not a framing byte
	cl := kfaketest.Client(t, addrs, kgo.ProducerBatchMaxBytes(int32(wire.DefaultMaxPayload+consumer.DLQOverhead)))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("k"), Value: big}).FirstErr())

	run := consumertest.Start(t, addrs)
	stats := run.WaitStats(t, 20*time.Second, "one DLQ copy or failure", func(s consumer.Stats) bool {
		return s.DLQRecords+s.DLQFailures == 1
	})
	require.Equal(t, uint64(1), stats.DLQRecords, "the copy of a record at the maximum payload succeeds (failures %d)", stats.DLQFailures)
	dlq := kfaketest.ReadN(t, addrs, consumer.DefaultDLQTopic, 1, 20*time.Second)[0]
	require.True(t, slices.Equal(big, dlq.Value), "the copy is byte for byte (%d bytes against %d)", len(dlq.Value), len(big))
}

func TestMaxPayloadOutOfRangeIsRefused(t *testing.T) {
	for _, n := range []int{-1, consumer.MaxMaxPayload + 1, 1<<63 - 1} {
		_, err := consumer.New(consumer.MaxPayload(n))
		require.ErrorContains(t, err, "is out of range", "max payload %d", n)
	}
}
