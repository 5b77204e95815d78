package pipelinetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/consumertest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/sequence"
)

func TestHundredMessagesComeBackInSequence(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 3, topic)
	sendN(t, newProducer(t, addrs, "customer-123"), "thread-7", 100)
	run := consumertest.Start(t, addrs, fastFetch)
	stats := run.WaitReceived(t, 100, 10*time.Second)
	require.Zero(t, stats.Gaps+stats.Duplicates+stats.Reorders)

	recs := run.Records()
	require.Len(t, recs, 100)
	for i, r := range recs {
		require.Equal(t, uint64(i+1), r.Header.Sequence)
		require.Equal(t, "customer-123", r.Header.TenantId)
		require.Equal(t, "thread-7", r.Header.ThreadId)
		want := sequence.OK
		if i == 0 {
			want = sequence.First
		}
		require.Equal(t, want, r.Result.Verdict, "sequence %d", i+1)
	}
	for _, r := range kfaketest.ReadN(t, addrs, topic, 100, 10*time.Second) {
		require.Equal(t, "customer-123", header(r, producer.TenantHeader), "routing header on every record")
		require.Equal(t, "thread-7", string(r.Key))
	}
}

// TestInterleavedThreadsHaveNoFalsePositives runs 2 tenants × 20 threads, the same
// thread names in both tenants, concurrently onto 3 partitions.
func TestInterleavedThreadsHaveNoFalsePositives(t *testing.T) {
	const threads, perThread = 20, 50
	_, addrs := kfaketest.Cluster(t, 3, topic)
	run := consumertest.Start(t, addrs, fastFetch)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	producers := []*producer.Producer{newProducer(t, addrs, "tenant-a"), newProducer(t, addrs, "tenant-b")}
	for _, p := range producers {
		for i := range threads {
			wg.Go(func() { sendAsyncN(ctx, t, p, fmt.Sprintf("thread-%02d", i), perThread) })
		}
	}
	wg.Wait()
	for _, p := range producers {
		require.NoError(t, p.Flush(ctx))
	}
	total := uint64(2 * threads * perThread)
	stats := run.WaitReceived(t, total, 10*time.Second)
	require.Equal(t, consumer.Stats{Received: total, DecodeFailures: stats.DecodeFailures}, stats, "no anomaly at all")

	verdicts := map[sequence.Verdict]int{}
	for _, r := range run.Records() {
		verdicts[r.Result.Verdict]++
	}
	require.Equal(t, map[sequence.Verdict]int{sequence.First: 2 * threads, sequence.OK: int(total) - 2*threads}, verdicts)
	require.Empty(t, run.Logs.Find("sequence gap"))
	require.Equal(t, 0.0, run.Metric(t, consumer.MetricGapSize, nil))
}
