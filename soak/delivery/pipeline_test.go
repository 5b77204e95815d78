package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/dashstream/acceptance/reference/producer"
)

// kfakeCluster starts an in-process kfake broker with the topic (3 partitions).
func kfakeCluster(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// TestWritersReaderDrain runs the recording side of the experiment without a nemesis
// against kfake: every ack is in the drained log, once, where the ack said, and the live
// consumer saw it.
func TestWritersReaderDrain(t *testing.T) {
	addrs := kfakeCluster(t)
	p, err := producer.New(producer.Brokers(addrs...), producer.Topic(topic), producer.ClientOpts(clientOpts()...))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	live, err := newLiveReader(addrs, topic, clientOpts()...)
	require.NoError(t, err)
	t.Cleanup(live.c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	liveCtx, stopLive := context.WithCancel(ctx)
	liveDone := make(chan struct{})
	go func() { defer close(liveDone); _ = live.c.Run(liveCtx) }()

	h := History{Start: time.Now()}
	w := newWriters(p, 3, 4, 0)
	runCtx, stop := context.WithTimeout(ctx, 500*time.Millisecond)
	w.run(runCtx)
	stop()
	require.NoError(t, p.Flush(ctx))
	p.Close()
	h.End = time.Now()
	h.Acks, h.Errors = w.snapshot()
	h.Attempts, h.Unresolved = w.attempts.Load(), w.unresolved.Load()
	require.NotEmpty(t, h.Acks)
	require.EqualValues(t, len(h.Acks), h.Attempts, "every send resolved as an ack")

	waitSeen(ctx, live, len(h.Acks), 10*time.Second)
	stopLive()
	<-liveDone
	h.Seen = live.snapshot()

	var bad int64
	h.Log, h.DrainComplete, bad, err = drain(ctx, addrs, topic, clientOpts()...)
	require.NoError(t, err)
	require.Zero(t, bad)
	a := Analyze(h)
	require.True(t, a.DrainComplete)
	require.Equal(t, a.Acked, a.LogRecords)
	require.Zero(t, a.Lost+a.Duplicates+a.Misplaced+a.Reordered+a.AckDuplicates+a.UnackedInLog+a.NotYetSeen, "%+v", a)
}

// TestDrainEmptyTopic: a topic with no records drains at once, complete.
func TestDrainEmptyTopic(t *testing.T) {
	addrs := kfakeCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log, complete, bad, err := drain(ctx, addrs, topic)
	require.NoError(t, err)
	require.True(t, complete)
	require.Empty(t, log)
	require.Zero(t, bad)
}
