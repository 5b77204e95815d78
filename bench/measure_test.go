package bench

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// fakeKafka starts an in-process kfake broker and returns its addresses and an admin.
func fakeKafka(t *testing.T) ([]string, *kadm.Client) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return c.ListenAddrs(), kadm.NewClient(cl)
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestReferenceProduceThenConsume(t *testing.T) {
	ctx := testCtx(t)
	brokers, adm := fakeKafka(t)
	require.NoError(t, CreateTopic(ctx, adm, "t", 3))
	run, err := ProduceReference(ctx, ProduceSpec{Brokers: brokers, Topic: "t", Records: 3000, ValueBytes: 512, Threads: 8, Senders: 2})
	require.NoError(t, err)
	require.Equal(t, 3000, run.Records)
	require.Positive(t, run.Elapsed)
	require.InDelta(t, 512, run.MeanValueBytes(), 2, "values are the asked size on the wire")
	require.Positive(t, run.Requests)
	require.Positive(t, run.CPU)
	n, err := CountRecords(ctx, adm, "t")
	require.NoError(t, err)
	require.EqualValues(t, 3000, n)

	c, err := ConsumeReference(ctx, brokers, "t", 3000, nil)
	require.NoError(t, err)
	require.Equal(t, 3000, c.Records)
	require.Positive(t, c.RecordsPerSec())

	// A topic holding a second producer's run has duplicates: the consumer refuses the
	// figure rather than report the speed of a run that was not clean.
	_, err = ProduceReference(ctx, ProduceSpec{Brokers: brokers, Topic: "t", Records: 100, ValueBytes: 512, Threads: 8})
	require.NoError(t, err)
	_, err = ConsumeReference(ctx, brokers, "t", 3100, nil)
	require.ErrorContains(t, err, "duplicates")
	require.NoError(t, DeleteTopic(ctx, adm, "t"))
}

func TestKcatProduceThenConsume(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Skip("kcat is not installed: scripts/ensure-packages kcat=kcat")
	}
	ctx := testCtx(t)
	brokers, adm := fakeKafka(t)
	require.NoError(t, CreateTopic(ctx, adm, "k", 3))
	run, err := ProduceKcat(ctx, ProduceSpec{Brokers: brokers, Topic: "k", Records: 2500, ValueBytes: 256, Threads: 8})
	require.NoError(t, err)
	require.Equal(t, 2500, run.Records)
	n, err := CountRecords(ctx, adm, "k")
	require.NoError(t, err)
	require.EqualValues(t, 2500, n, "every line became one record")
	recs := readAll(t, brokers, "k", 2500)
	require.Len(t, recs[0].Value, 256)
	require.Equal(t, "bench", string(recs[0].Headers[0].Value))
	c, err := ConsumeKcat(ctx, brokers, "k", 2500)
	require.NoError(t, err)
	require.Positive(t, c.Elapsed)
	require.Positive(t, c.CPU, "kcat's CPU time is read from its process state")
}

func readAll(t *testing.T, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	ctx := testCtx(t)
	var recs []*kgo.Record
	for len(recs) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err())
		recs = append(recs, fs.Records()...)
	}
	return recs
}
