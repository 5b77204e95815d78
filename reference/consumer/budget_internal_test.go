package consumer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/semaphore"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// bombs returns n records whose zstd content is about size bytes each (a thread id of
// repeated bytes: each compresses to a few hundred bytes).
func bombs(t *testing.T, n, size int) kgo.Fetches {
	t.Helper()
	v, err := wire.NewEncoder().Encode(&dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		Header: &dspb.Header{TenantId: "acme", ThreadId: strings.Repeat("x", size), Sequence: 1}}}})
	require.NoError(t, err)
	require.Less(t, len(v), size/100, "the record compresses")
	fetches := kgo.Fetches{{Topics: []kgo.FetchTopic{{Topic: "t", Partitions: []kgo.FetchPartition{{}}}}}}
	for i := range n {
		fetches[0].Topics[0].Partitions[0].Records = append(fetches[0].Topics[0].Partitions[0].Records,
			&kgo.Record{Offset: int64(i), Value: v})
	}
	return fetches
}

// TestProcessHoldsAtMostTheBudget decodes 100 records that each expand to 1 MiB with a
// 4 MiB budget, on 1 to 4 workers: every record is handled, in order, and the decoded
// bytes held at once (being decoded, or decoded and not handled) never exceed the budget,
// while the poll holds 100 MiB of content.
func TestProcessHoldsAtMostTheBudget(t *testing.T) {
	const size, budget = 1 << 20, 4 << 20
	c := &Consumer{dec: wire.NewDecoder(), budget: semaphore.NewWeighted(budget), budgetSize: budget}
	for workers := 1; workers <= 4; workers++ {
		var b batch
		b.collect(bombs(t, 100, size))
		handled := 0
		b.process(c, workers, func(i int, d decoded) {
			require.Equal(t, handled, i)
			require.NoError(t, d.err)
			require.Len(t, d.msg.GetEvent().GetHeader().GetThreadId(), size)
			handled++
		})
		require.Equal(t, 100, handled)
		require.LessOrEqual(t, b.peak.Load(), int64(budget), "workers=%d: decoded bytes held at once", workers)
		require.GreaterOrEqual(t, b.peak.Load(), int64(size), "workers=%d: the peak is measured", workers)
		require.Zero(t, b.held.Load(), "everything handled is released")
	}
}

// TestProcessRecordLargerThanTheBudget decodes records larger than the whole budget: each
// is decoded alone, none waits forever.
func TestProcessRecordLargerThanTheBudget(t *testing.T) {
	const size, budget = 2 << 20, 1 << 20
	c := &Consumer{dec: wire.NewDecoder(), budget: semaphore.NewWeighted(budget), budgetSize: budget}
	var b batch
	b.collect(bombs(t, 70, size))
	handled := 0
	b.process(c, 2, func(_ int, d decoded) {
		require.NoError(t, d.err)
		handled++
	})
	require.Equal(t, 70, handled)
	require.LessOrEqual(t, b.peak.Load(), int64(budget))
}
