package netfault

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestRecordsKafkaRequestsAndFailedConnections(t *testing.T) {
	upstream, err := FreeAddr()
	require.NoError(t, err)
	p, err := New("kafka", "127.0.0.1:0", upstream)
	require.NoError(t, err)
	t.Cleanup(p.Close)

	// Nothing listens upstream yet: the proxy accepts, then closes without a response.
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.Addr()), kgo.ClientID("probe-test"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	require.Error(t, cl.Ping(ctx))
	cancel()
	cl.Close()
	require.Eventually(t, func() bool {
		cs := p.Conns()
		return len(cs) > 0 && cs[0].Failed()
	}, 5*time.Second, 10*time.Millisecond, "the failed dial is recorded: %+v", p.Conns())
	// The connection is failed once its upstream ended; the client's request, sent before
	// the close, is read while the proxy drains the client (up to drainClient), which may
	// end after that moment.
	require.Eventually(t, func() bool { return p.Conns()[0].ClientID == "probe-test" }, drainClient+time.Second, 10*time.Millisecond,
		"the request sent before the close is read: %+v", p.Conns())

	c, err := kfake.NewCluster(kfake.Ports(port(t, upstream)), kfake.NumBrokers(1))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	cl, err = kgo.NewClient(kgo.SeedBrokers(p.Addr()), kgo.ClientID("probe-test"))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, cl.Ping(ctx))
	var pings int
	for _, r := range p.Requests() {
		if r.Key == metadataKey && r.NoTopics && !r.Answered.IsZero() {
			require.Equal(t, "probe-test", r.ClientID)
			pings++
		}
	}
	require.Equal(t, 1, pings, "one answered broker-only metadata request: %+v", p.Requests())
	last := p.Conns()[len(p.Conns())-1]
	require.False(t, last.Failed())
	require.Positive(t, last.Responses)
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, ps, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(ps)
	require.NoError(t, err)
	return n
}
