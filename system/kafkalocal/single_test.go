package kafkalocal

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestKillRestartKeepsAckedData(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	addrs := c.Bootstrap()
	cl := newClient(t, c)
	createTopic(t, cl, "acked", 3)
	require.NoError(t, produceN(ctx, cl, "acked", "before", 100))
	require.Len(t, consumeAll(t, c, "acked", 100), 100)

	pid := c.PID(0)
	require.NoError(t, c.Kill(ctx, 0))
	require.False(t, c.Running(0))
	require.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "the killed JVM is gone")

	require.NoError(t, c.Start(ctx, 0))
	require.Equal(t, addrs, c.Bootstrap(), "same address after restart")
	require.NotEqual(t, pid, c.PID(0))
	// The client made before the kill reconnects to the same address by itself.
	require.NoError(t, produceN(ctx, cl, "acked", "after", 10))
	got := consumeAll(t, c, "acked", 110)
	require.Subset(t, got, []string{"before-0", "before-99", "after-0", "after-9"})
}

func TestGracefulStopStart(t *testing.T) {
	c := startCluster(t, StopGrace(time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := newClient(t, c)
	createTopic(t, cl, "graceful", 1)
	require.NoError(t, produceN(ctx, cl, "graceful", "one", 20))

	start := time.Now()
	require.NoError(t, c.Stop(ctx, 0))
	t.Logf("graceful stop took %s", time.Since(start).Round(time.Millisecond))
	require.False(t, c.Running(0))
	require.Contains(t, c.Log(0, 0), "shut down completed", "stopped gracefully, not killed")
	require.NoError(t, c.Stop(ctx, 0), "Stop is safe twice")

	require.NoError(t, c.Start(ctx, 0))
	require.NoError(t, c.Start(ctx, 0), "Start of a running broker is a no-op")
	require.NoError(t, produceN(ctx, cl, "graceful", "two", 20))
	require.Len(t, consumeAll(t, c, "graceful", 40), 40)

	require.NoError(t, c.Restart(ctx, 0))
	require.Len(t, consumeAll(t, c, "graceful", 40), 40)
}

func TestPauseResume(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := newClient(t, c, kgo.ProduceRequestTimeout(2*time.Second), kgo.RequestTimeoutOverhead(time.Second))
	createTopic(t, cl, "paused", 1)
	require.NoError(t, produceN(ctx, cl, "paused", "warm", 1))

	require.NoError(t, c.Pause(0))
	require.NoError(t, c.Pause(0), "Pause is idempotent")
	require.True(t, c.Running(0), "a paused broker still runs")
	done := make(chan error, 1)
	go func() { done <- produceN(ctx, cl, "paused", "during", 1) }()
	select {
	case err := <-done:
		t.Fatalf("a produce into a paused broker finished: %v", err)
	case <-time.After(5 * time.Second): // the produce hangs: what a paused broker looks like
	}

	require.NoError(t, c.Resume(0))
	require.NoError(t, c.Resume(0), "Resume is idempotent")
	select {
	case err := <-done:
		require.NoError(t, err, "the produce held during the pause is delivered after resume")
	case <-ctx.Done():
		t.Fatal("the produce held during the pause never finished after resume")
	}
	require.NoError(t, produceN(ctx, cl, "paused", "after", 1))
	require.Len(t, consumeAll(t, c, "paused", 3), 3)
}

func TestCloseLeavesNoJava(t *testing.T) {
	c := startCluster(t)
	require.NotEmpty(t, childJava(t), "the broker is a java child of the test")
	dir := c.Dir()
	require.DirExists(t, dir)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is safe twice")
	require.Empty(t, childJava(t), "no java child left after Close")
	require.NoDirExists(t, dir)
	require.ErrorIs(t, c.Kill(context.Background(), 0), ErrClosed)
}

func TestDataDirIsKeptAndReused(t *testing.T) {
	dir := t.TempDir()
	c := startCluster(t, DataDir(dir))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := newClient(t, c)
	createTopic(t, cl, "kept", 1)
	require.NoError(t, produceN(ctx, cl, "kept", "v", 5))
	id := c.ClusterID()
	require.NoError(t, c.Close())
	require.FileExists(t, filepath.Join(dir, "kafka-0", "data", "meta.properties"))

	again := startCluster(t, DataDir(dir))
	require.Equal(t, id, again.ClusterID())
	require.Len(t, consumeAll(t, again, "kept", 5), 5)
}

func TestBrokerIndexOutOfRange(t *testing.T) {
	c := &Cluster{nodes: []*node{{index: 0, id: 1}}}
	require.ErrorIs(t, c.Kill(context.Background(), 1), ErrNoBroker)
	require.ErrorIs(t, c.Pause(-1), ErrNoBroker)
}

func TestStartFailsWithoutJava(t *testing.T) {
	_, err := Start(context.Background(), Java(filepath.Join(t.TempDir(), "no-java")), LibRoot(t.TempDir()),
		Progress(nil), ClassDataSharing(false))
	require.ErrorContains(t, err, "find java")
}

func TestNotReadyNamesBrokerAndLog(t *testing.T) {
	skipShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, StartTimeout(time.Millisecond), Progress(nil))
	require.Nil(t, c)
	require.ErrorIs(t, err, ErrNotReady)
	require.ErrorContains(t, err, "kafka-0 did not come up")
	require.ErrorContains(t, err, "last output:")
	t.Logf("error: %.600s", err)
	require.Empty(t, childJava(t), "a failed Start leaves nothing running")
}

// TestClusterIDStartingWithDash guards against the storage tool reading an id that
// starts with '-' (one random id in 32) as an option.
func TestClusterIDStartingWithDash(t *testing.T) {
	orig := newClusterID
	newClusterID = func() string { return "-dashFirstClusterId0Aw" }
	t.Cleanup(func() { newClusterID = orig })
	c := startCluster(t)
	require.Equal(t, "-dashFirstClusterId0Aw", c.ClusterID())
}
