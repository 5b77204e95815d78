package kafkalocal

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestThreeBrokersSurviveOneKill(t *testing.T) {
	c := startCluster(t, Brokers(3))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	require.Len(t, c.Bootstrap(), 3)
	cl := newClient(t, c)
	adm := kadm.NewClient(cl)

	cfgs, err := adm.DescribeBrokerConfigs(ctx, c.NodeID(0))
	require.NoError(t, err)
	want := map[string]string{"min.insync.replicas": "2", "default.replication.factor": "3",
		"offsets.topic.replication.factor": "3", "transaction.state.log.replication.factor": "3"}
	for _, rc := range cfgs {
		for _, kv := range rc.Configs {
			if v, ok := want[kv.Key]; ok {
				require.Equal(t, v, kv.MaybeValue(), kv.Key)
				delete(want, kv.Key)
			}
		}
	}
	require.Empty(t, want, "configs not reported")

	createTopic(t, cl, "replicated", 1)
	require.NoError(t, produceN(ctx, cl, "replicated", "before", 50))
	leader := partitionLeader(ctx, t, adm, "replicated")
	victim := int(leader - 1) // kill the leader: the hardest case for acks=all
	t.Logf("killing kafka-%d, leader of replicated/0", victim)
	require.NoError(t, c.Kill(ctx, victim))

	start := time.Now()
	pctx, pcancel := context.WithTimeout(ctx, time.Minute)
	require.NoError(t, produceN(pctx, cl, "replicated", "during", 50), "acks=all with 2 of 3 in sync")
	pcancel()
	t.Logf("produce with kafka-%d dead took %s", victim, time.Since(start).Round(time.Millisecond))
	require.NotEqual(t, leader, partitionLeader(ctx, t, adm, "replicated"), "leadership moved")

	require.NoError(t, c.Start(ctx, victim))
	require.Eventually(t, func() bool {
		return len(partitionISR(ctx, t, adm, "replicated")) == 3
	}, 2*time.Minute, 250*time.Millisecond, "the restarted broker rejoins the ISR")
	require.NoError(t, produceN(ctx, cl, "replicated", "after", 50))
	require.Len(t, consumeAll(t, c, "replicated", 150), 150)
}

func partitionLeader(ctx context.Context, t *testing.T, adm *kadm.Client, topic string) int32 {
	t.Helper()
	md, err := adm.Metadata(ctx, topic)
	require.NoError(t, err)
	return md.Topics[topic].Partitions[0].Leader
}

func partitionISR(ctx context.Context, t *testing.T, adm *kadm.Client, topic string) []int32 {
	t.Helper()
	md, err := adm.Metadata(ctx, topic)
	require.NoError(t, err)
	return md.Topics[topic].Partitions[0].ISR
}

// TestAdvertisedPortsRouteThroughProxy puts a TCP proxy in front of the broker and checks
// that clients seeded with Bootstrap() only talk through it, even after metadata.
func TestAdvertisedPortsRouteThroughProxy(t *testing.T) {
	skipShort(t)
	px := newProxy(t)
	c := startCluster(t, AdvertisedPorts(px.port()))
	require.Equal(t, []string{px.addr()}, c.Bootstrap())
	require.NotEqual(t, c.Bootstrap(), c.ListenAddrs())
	px.forwardTo(c.ListenAddrs()[0])

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl := newClient(t, c)
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	require.NoError(t, err)
	require.Equal(t, px.port(), int(md.Brokers[0].Port), "metadata hands out the proxy")
	createTopic(t, cl, "proxied", 1)
	require.NoError(t, produceN(ctx, cl, "proxied", "v", 10))
	require.Len(t, consumeAll(t, c, "proxied", 10), 10)
	require.Positive(t, px.accepted(), "clients went through the proxy")

	// Cutting the proxy is an outage for clients although the broker runs.
	px.cut()
	short, scancel := context.WithTimeout(ctx, 3*time.Second)
	defer scancel()
	direct := newClient(t, c, kgo.RequestRetries(0))
	require.Error(t, direct.Ping(short), "no way around the proxy")
}
