package wsserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/wsserver"
)

func TestClientThatDoesNotPongIsDropped(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, consumer.DefaultTopic)
	r := start(t, wsserver.Brokers(addrs...), wsserver.Topics(consumer.DefaultTopic),
		wsserver.PingInterval(200*time.Millisecond), wsserver.PingTimeout(300*time.Millisecond))
	answering := r.dial(t, "tenant=acme", nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { // a reader answers pings
		for {
			if _, _, err := answering.Read(ctx); err != nil {
				return
			}
		}
	}()
	_ = r.dial(t, "tenant=acme", nil) // never reads: never answers a ping
	eventually(t, 5*time.Second, "the silent client dropped", func() bool {
		return metric(t, r.S.Registry(), wsserver.MetricDisconnects, map[string]string{"reason": wsserver.DisconnectPingTimeout}) == 1
	})
	time.Sleep(time.Second) // several more ping rounds: the answering client must stay
	require.Equal(t, 1.0, metric(t, r.S.Registry(), wsserver.MetricConnectedClients, nil))
	require.Equal(t, 1.0, metric(t, r.S.Registry(), wsserver.MetricDisconnects, map[string]string{"reason": wsserver.DisconnectPingTimeout}))
}
