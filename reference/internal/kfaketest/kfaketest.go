// Package kfaketest starts in-process franz-go kfake clusters for the reference packages'
// tests and reads topics back from them.
//
// Traps: kfake listens on 127.0.0.1 only; every helper registers its cleanup at once, so
// a failed test leaves no cluster or client behind. ReadN fails the test when fewer
// records than asked for arrive before its deadline: it never hides a loss.
package kfaketest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Cluster starts a one-broker kfake cluster with topics seeded at the given partition
// count (auto-creation of other topics is allowed) and returns it with its seed addresses.
// The cluster is closed when the test ends.
func Cluster(t testing.TB, partitions int32, topics ...string) (*kfake.Cluster, []string) {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(int(partitions))}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(partitions, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	require.NoError(t, err, "start kfake")
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

// Client returns a plain franz-go client on addrs, closed when the test ends.
func Client(t testing.TB, addrs []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...)}, opts...)...)
	require.NoError(t, err, "new kgo client")
	t.Cleanup(cl.Close)
	return cl
}

// ReadN consumes topic from the start until n records arrived and returns them in
// Kafka order per partition (partitions one after the other). It fails the test when
// they do not all arrive within timeout.
func ReadN(t testing.TB, addrs []string, topic string, n int, timeout time.Duration) []*kgo.Record {
	t.Helper()
	cl := Client(t, addrs, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	require.Len(t, out, n, "records read back from %s within %s", topic, timeout)
	return out
}

// Count returns the number of records in topic: the sum over its partitions of the
// high watermark minus the log start offset. A topic that does not exist counts 0.
func Count(t testing.TB, c *kfake.Cluster, topic string) int64 {
	t.Helper()
	var n int64
	for _, p := range c.PartitionInfos(topic) {
		n += p.HighWatermark - p.LogStartOffset
	}
	return n
}
