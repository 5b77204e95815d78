package pipelinetest

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/consumertest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/sequence"
)

// TestDeletedRecordsAreExactlyOneGap: a consumer reads messages 1..49 and falls behind,
// messages 50..100 arrive, records up to message 50 are deleted (offset 50 becomes the
// log start), and the consumer catches up: it lands on message 51 and reports one gap.
//
// The consumer falls behind at the broker: its fetch from offset 49 is held there until
// the records are deleted. Pausing the client instead (PauseFetchTopics) left a race: a
// fetch already in flight from offset 49 was answered with messages 50..100 as soon as
// they were written, before the deletion, and when the client was resumed before its
// poll loop dropped that buffered response, the consumer read every message and saw no
// gap (about 1 run in 90 under load).
func TestDeletedRecordsAreExactlyOneGap(t *testing.T) {
	c, addrs := kfaketest.Cluster(t, 1, topic)
	hold := holdFetchesFrom(c, 0, 49)
	p := newProducer(t, addrs, "customer-123")
	sendN(t, p, "thread-1", 49)
	run := consumertest.Start(t, addrs, fastFetch)
	run.WaitReceived(t, 49, 10*time.Second)
	hold.waitHeld(t, 10*time.Second)

	sendN(t, p, "thread-1", 51) // messages 50..100 at offsets 49..99
	adm := kadm.NewClient(kfaketest.Client(t, addrs))
	var upTo kadm.Offsets
	upTo.AddOffset(topic, 0, 50, -1) // delete offsets 0..49: messages 1..50
	resp, err := adm.DeleteRecords(testCtx(t), upTo)
	require.NoError(t, err)
	require.NoError(t, resp.Error())
	require.Equal(t, 49, len(run.Records()), "the consumer that fell behind read nothing more")
	hold.release()

	stats := run.WaitReceived(t, 99, 10*time.Second)
	require.Equal(t, uint64(1), stats.Gaps)
	require.Equal(t, uint64(1), stats.Missing)
	require.Zero(t, stats.Duplicates+stats.Reorders)
	require.Equal(t, 1.0, run.Metric(t, consumer.MetricGaps, nil))
	require.Equal(t, 1.0, run.Metric(t, consumer.MetricGapSize, nil), "one gap observed in the histogram")

	recs := run.Records()
	require.Len(t, recs, 99)
	require.Equal(t, uint64(51), recs[49].Header.Sequence)
	require.Equal(t, sequence.Result{Verdict: sequence.Gap, Expected: 50, Received: 51}, recs[49].Result)
	for _, r := range recs[50:] {
		require.Equal(t, sequence.OK, r.Result.Verdict)
	}
	gaps := run.Logs.Find("sequence gap")
	require.Len(t, gaps, 1)
	require.Equal(t, "customer-123", gaps[0].Attrs["tenant"])
	require.Equal(t, "thread-1", gaps[0].Attrs["thread"])
	require.Equal(t, uint64(50), gaps[0].Attrs["expected"])
	require.Equal(t, uint64(51), gaps[0].Attrs["received"])
	require.Equal(t, uint64(1), gaps[0].Attrs["gap_size"])
}

// TestReplayedRecordIsADuplicate produces a copy of message 3 with a raw client after
// message 5: it is a duplicate, and message 6 after it is in order.
func TestReplayedRecordIsADuplicate(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 3, topic)
	p := newProducer(t, addrs, "acme")
	sendN(t, p, "thread-1", 5)
	third := kfaketest.ReadN(t, addrs, topic, 5, 10*time.Second)[2]
	replay := kfaketest.Client(t, addrs) // default partitioner: same key, same partition
	require.NoError(t, replay.ProduceSync(testCtx(t), third).FirstErr())
	sendN(t, p, "thread-1", 1)

	run := consumertest.Start(t, addrs, fastFetch)
	stats := run.WaitReceived(t, 7, 10*time.Second)
	require.Equal(t, uint64(1), stats.Duplicates)
	require.Zero(t, stats.Gaps+stats.Reorders)
	require.Equal(t, 1.0, run.Metric(t, consumer.MetricDuplicates, nil))
	recs := run.Records()
	require.Equal(t, sequence.Result{Verdict: sequence.Duplicate, Expected: 6, Received: 3}, recs[5].Result)
	require.Equal(t, sequence.Result{Verdict: sequence.OK, Expected: 6, Received: 6}, recs[6].Result)
	dups := run.Logs.Find("sequence duplicate")
	require.Len(t, dups, 1)
	require.Equal(t, map[string]any{"tenant": "acme", "thread": "thread-1", "expected": uint64(6), "received": uint64(3)},
		pick(dups[0].Attrs, "tenant", "thread", "expected", "received"))
}

// TestLateSequenceIsAReorder writes 1, 2, 4, 3, 5: 4 is a gap, 3 a reorder, 5 in order.
func TestLateSequenceIsAReorder(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, topic)
	var values [][]byte
	for _, seq := range []uint64{1, 2, 4, 3, 5} {
		values = append(values, rawMessage(t, "acme", "thread-1", seq))
	}
	produceRaw(t, addrs, "thread-1", values...)
	run := consumertest.Start(t, addrs, fastFetch)
	stats := run.WaitReceived(t, 5, 10*time.Second)
	require.Equal(t, uint64(1), stats.Reorders)
	require.Equal(t, uint64(1), stats.Gaps)
	require.Zero(t, stats.Duplicates)
	var verdicts []sequence.Verdict
	for _, r := range run.Records() {
		verdicts = append(verdicts, r.Result.Verdict)
	}
	require.Equal(t, []sequence.Verdict{sequence.First, sequence.OK, sequence.Gap, sequence.Reorder, sequence.OK}, verdicts)
	require.Len(t, run.Logs.Find("sequence reorder"), 1)
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

// TestZeroSequenceIsAViolation writes 1, 2, 0, 3: the 0 (incident #9's bug) is counted,
// exposed and logged as a zero violation, and the thread goes on as if it were not there.
func TestZeroSequenceIsAViolation(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, topic)
	var values [][]byte
	for _, seq := range []uint64{1, 2, 0, 3} {
		values = append(values, rawMessage(t, "acme", "thread-1", seq))
	}
	produceRaw(t, addrs, "thread-1", values...)
	run := consumertest.Start(t, addrs, fastFetch)
	stats := run.WaitReceived(t, 4, 10*time.Second)
	require.Equal(t, uint64(1), stats.Zeros)
	require.Zero(t, stats.Gaps+stats.Duplicates+stats.Reorders)
	require.Equal(t, 1.0, run.Metric(t, consumer.MetricZero, nil))
	var verdicts []sequence.Verdict
	for _, r := range run.Records() {
		verdicts = append(verdicts, r.Result.Verdict)
	}
	require.Equal(t, []sequence.Verdict{sequence.First, sequence.OK, sequence.Zero, sequence.OK}, verdicts)
	zeros := run.Logs.Find("sequence zero")
	require.Len(t, zeros, 1)
	require.Equal(t, map[string]any{"tenant": "acme", "thread": "thread-1", "expected": uint64(0), "received": uint64(0)},
		pick(zeros[0].Attrs, "tenant", "thread", "expected", "received"))
}

// TestGapOfThreeHundredIsOneObservation deletes 300 unread messages: one gap, expected 50
// received 350, observed once in the gap-size histogram with a sum of 300, in the bucket
// up to 1000 and not in the one up to 250.
func TestGapOfThreeHundredIsOneObservation(t *testing.T) {
	c, addrs := kfaketest.Cluster(t, 1, topic)
	hold := holdFetchesFrom(c, 0, 49)
	p := newProducer(t, addrs, "acme")
	sendN(t, p, "thread-1", 49)
	run := consumertest.Start(t, addrs, fastFetch)
	run.WaitReceived(t, 49, 10*time.Second)
	hold.waitHeld(t, 10*time.Second)
	sendN(t, p, "thread-1", 301) // messages 50..350 at offsets 49..349
	adm := kadm.NewClient(kfaketest.Client(t, addrs))
	var upTo kadm.Offsets
	upTo.AddOffset(topic, 0, 349, -1) // messages 1..349 deleted
	resp, err := adm.DeleteRecords(testCtx(t), upTo)
	require.NoError(t, err)
	require.NoError(t, resp.Error())
	hold.release()

	stats := run.WaitReceived(t, 50, 10*time.Second)
	require.Equal(t, uint64(1), stats.Gaps)
	require.Equal(t, uint64(300), stats.Missing)
	require.Equal(t, sequence.Result{Verdict: sequence.Gap, Expected: 50, Received: 350}, run.Records()[49].Result)
	families, err := run.Reg.Gather()
	require.NoError(t, err)
	var h *dto.Histogram
	for _, f := range families {
		if f.GetName() == consumer.MetricGapSize {
			h = f.GetMetric()[0].GetHistogram()
		}
	}
	require.NotNil(t, h, "%s is exposed", consumer.MetricGapSize)
	require.Equal(t, uint64(1), h.GetSampleCount())
	require.Equal(t, 300.0, h.GetSampleSum())
	buckets := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		buckets[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	require.Equal(t, uint64(0), buckets[250], "300 is above the 250 bucket")
	require.Equal(t, uint64(1), buckets[1000], "300 is in the 1000 bucket")
}
