package kfakeproc

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func startBroker(t *testing.T) *Broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := Start(ctx)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}

func client(t *testing.T, b *Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr()), kgo.AllowAutoTopicCreation(), kgo.RetryBackoffFn(func(int) time.Duration { return 50 * time.Millisecond })}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

func createTopic(t *testing.T, b *Broker, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := client(t, b)
	_, err := kadm.NewClient(cl).CreateTopic(ctx, 3, 1, nil, topic)
	require.NoError(t, err)
}

func produceN(t *testing.T, cl *kgo.Client, topic string, from, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := from; i < from+n; i++ {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("k"), Value: fmt.Appendf(nil, "%d", i)}).FirstErr())
	}
}

func consumeAll(t *testing.T, b *Broker, topic string, want int) []string {
	t.Helper()
	cl := client(t, b, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []string
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "consumed %d of %d", len(got), want)
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

func TestKillRestartKeepsAckedData(t *testing.T) {
	b := startBroker(t)
	createTopic(t, b, "survive")
	produceN(t, client(t, b), "survive", 0, 20)
	require.NoError(t, b.Kill(context.Background()))
	require.False(t, b.Running())
	require.Error(t, Probe(context.Background(), b.ListenAddr()), "a killed broker must not answer")
	require.NoError(t, b.Restart(context.Background()))
	got := consumeAll(t, b, "survive", 20)
	require.Len(t, got, 20)
	require.Equal(t, "0", got[0])
	require.Equal(t, "19", got[19])
}

func TestGracefulStopAndStart(t *testing.T) {
	b := startBroker(t)
	createTopic(t, b, "graceful")
	cl := client(t, b)
	produceN(t, cl, "graceful", 0, 5)
	require.NoError(t, b.Stop(context.Background()))
	require.NoError(t, b.Restart(context.Background()))
	produceN(t, cl, "graceful", 5, 5) // the same client reconnects at the same address
	require.Len(t, consumeAll(t, b, "graceful", 10), 10)
}

func TestPauseBlocksUntilResume(t *testing.T) {
	b := startBroker(t)
	createTopic(t, b, "paused")
	cl := client(t, b)
	produceN(t, cl, "paused", 0, 1)
	require.NoError(t, b.Pause(context.Background()))
	acked := make(chan error, 1)
	cl.Produce(context.Background(), &kgo.Record{Topic: "paused", Value: []byte("during")}, func(_ *kgo.Record, err error) { acked <- err })
	select {
	case err := <-acked:
		t.Fatalf("a produce to a paused broker completed (err=%v)", err)
	case <-time.After(2 * time.Second):
	}
	require.NoError(t, b.Resume(context.Background()))
	select {
	case err := <-acked:
		require.NoError(t, err, "the record held during the pause is acknowledged after resume")
	case <-time.After(30 * time.Second):
		t.Fatal("the record held during the pause was not acknowledged within 30 s of resume")
	}
}

func TestAdvertisedPortIsWhatClientsSee(t *testing.T) {
	adv, err := FreePort()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Start(ctx, AdvertisePort(adv))
	require.NoError(t, err)
	t.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.ListenAddr()))
	require.NoError(t, err)
	defer cl.Close()
	meta, err := metadataBrokers(ctx, cl)
	require.NoError(t, err)
	require.Equal(t, []string{b.Addr()}, meta, "metadata must hand out the advertised (proxy) address")
}
