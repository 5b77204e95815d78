package kafkalocal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// skipShort skips tests that run real brokers under go test -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real Apache Kafka brokers with java (seconds each); skipped with -short")
	}
}

// startCluster starts a cluster for the test and closes it when the test ends; on failure
// it logs the tail of every broker's log first.
func startCluster(t *testing.T, opts ...Option) *Cluster {
	t.Helper()
	skipShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := Start(ctx, opts...)
	t.Cleanup(func() {
		if c == nil {
			return
		}
		if t.Failed() {
			for i := range c.Brokers() {
				t.Logf("kafka-%d log tail:\n%s", i, c.Log(i, 60))
			}
		}
		require.NoError(t, c.Close())
	})
	require.NoError(t, err)
	t.Logf("%d broker(s) of Kafka %s ready in %s at %v", c.Brokers(), c.Version(), time.Since(start).Round(time.Millisecond), c.Bootstrap())
	return c
}

// newClient returns a client of c with short backoffs, closed when the test ends.
func newClient(t *testing.T, c *Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	base := []kgo.Opt{
		kgo.SeedBrokers(c.Bootstrap()...),
		kgo.RetryBackoffFn(func(int) time.Duration { return 200 * time.Millisecond }),
		kgo.MetadataMinAge(250 * time.Millisecond),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// createTopic creates topic with the cluster's default replication factor.
func createTopic(t *testing.T, cl *kgo.Client, topic string, partitions int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, -1, nil, topic)
	require.NoError(t, err)
	require.NoError(t, resp.Err)
}

// produceN produces n records with values prefix-0 .. prefix-(n-1), synchronously.
func produceN(ctx context.Context, cl *kgo.Client, topic, prefix string, n int) error {
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Value: []byte(prefix + "-" + strconv.Itoa(i))}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	return nil
}

// consumeAll reads topic from the start with a fresh client until it has want records.
func consumeAll(t *testing.T, c *Cluster, topic string, want int) []string {
	t.Helper()
	cl := newClient(t, c, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var got []string
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "consumed %d of %d records", len(got), want)
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

// childJava returns the pids of java processes whose parent is this test process.
func childJava(t *testing.T) []int {
	t.Helper()
	me := strconv.Itoa(os.Getpid())
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid ...
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < 0 {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) > 1 && fields[1] == me && s[open+1:end] == "java" {
			pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
			pids = append(pids, pid)
		}
	}
	return pids
}
