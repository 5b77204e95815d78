package wsserver_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/wsserver"
)

// broker is a one-node kfake cluster on a fixed port that can be stopped and started
// again (a closed kfake cluster cannot restart: a new one takes its port).
type broker struct {
	t    *testing.T
	port int
	dir  string // data survives a restart, as on a real broker
	c    *kfake.Cluster
}

func newBroker(t *testing.T) *broker {
	t.Helper()
	b := &broker{t: t, port: freePort(t), dir: t.TempDir()}
	b.start()
	t.Cleanup(b.stop)
	return b
}

func (b *broker) addrs() []string { return []string{"127.0.0.1:" + strconv.Itoa(b.port)} }

func (b *broker) start() {
	b.t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(b.port), kfake.DataDir(b.dir), kfake.AllowAutoTopicCreation(),
		kfake.SeedTopics(1, consumer.DefaultTopic))
	require.NoError(b.t, err, "start kfake on port %d", b.port)
	b.c = c
}

func (b *broker) stop() {
	if b.c != nil {
		b.c.Close()
		b.c = nil
	}
}

// fastKafka makes the client notice an outage and a recovery within a second or two:
// short backoff, metadata refresh and request timeouts.
func fastKafka() []wsserver.Opt {
	return []wsserver.Opt{
		wsserver.Backoff(backoff.New(backoff.Min(20*time.Millisecond), backoff.Max(200*time.Millisecond))),
		wsserver.ClientOpts(kgo.MetadataMinAge(10*time.Millisecond), kgo.RequestTimeoutOverhead(time.Second),
			kgo.FetchMaxWait(200*time.Millisecond)),
	}
}

func TestHealthThroughAnOutage(t *testing.T) {
	b := newBroker(t)
	const window = 2 * time.Second
	r := start(t, append(fastKafka(), wsserver.Brokers(b.addrs()...), wsserver.Topics(consumer.DefaultTopic),
		wsserver.HealthWindow(window), wsserver.CircuitBreaker(wsserver.BreakerConfig{FailureThreshold: 1000}))...)
	client := r.dial(t, "tenant=acme", nil)
	r.waitClients(t, 1)

	eventually(t, 10*time.Second, "healthy", func() bool { return r.health(t).Status == wsserver.StatusHealthy })
	send(t, newProducer(t, b.addrs(), "acme"), "before", 1)
	require.Equal(t, "before", readFrame(t, client, 10*time.Second).Header.ThreadID)

	b.stop()
	eventually(t, 10*time.Second, "reconnecting during the outage", func() bool {
		return r.health(t).Status == wsserver.StatusReconnecting
	})
	h := r.health(t)
	require.Equal(t, "disconnected", h.KafkaStatus)
	require.Positive(t, h.Metrics.RecentKafkaErrors)
	require.NotNil(t, h.Metrics.SecondsSinceLastMessage)
	require.Equal(t, "closed", h.CircuitBreaker.State, "the breaker threshold is out of reach here")
	require.Equal(t, 1, h.Metrics.ConnectedClients, "clients stay connected through an outage")

	b.start()
	recovered := time.Now()
	eventually(t, 10*time.Second, "kafka connected again", func() bool { return r.health(t).KafkaStatus == "connected" })
	eventually(t, 10*time.Second+window, "healthy again once the errors left the window", func() bool {
		return r.health(t).Status == wsserver.StatusHealthy
	})
	t.Logf("healthy %s after the broker came back (window %s)", time.Since(recovered).Round(10*time.Millisecond), window)
	h = r.health(t)
	require.Zero(t, h.Metrics.RecentKafkaErrors)
	require.Positive(t, h.Metrics.KafkaErrors, "all-time totals keep the outage")

	send(t, newProducer(t, b.addrs(), "acme"), "after", 1)
	require.Equal(t, "after", readFrame(t, client, 15*time.Second).Header.ThreadID, "the stream resumed")
	require.Zero(t, metric(t, r.S.Registry(), wsserver.MetricConsumerRestarts, nil), "a Kafka outage does not restart the loop")
}

func TestCircuitBreakerOpensThenClosesThroughHalfOpen(t *testing.T) {
	b := newBroker(t)
	const openFor = 2 * time.Second
	r := start(t, append(fastKafka(), wsserver.Brokers(b.addrs()...), wsserver.Topics(consumer.DefaultTopic),
		wsserver.CircuitBreaker(wsserver.BreakerConfig{FailureThreshold: 5, OpenFor: openFor, CloseAfter: 3}),
		wsserver.ProbeInterval(100*time.Millisecond))...)
	reg := r.S.Registry()
	eventually(t, 10*time.Second, "connected", func() bool { return r.health(t).KafkaStatus == "connected" })
	require.Zero(t, metric(t, reg, wsserver.MetricBreakerState, nil))

	b.stop()
	eventually(t, 10*time.Second, "breaker open", func() bool { return metric(t, reg, wsserver.MetricBreakerState, nil) == 2 })
	openedAt := time.Now()
	h := r.health(t)
	require.Equal(t, "open", h.CircuitBreaker.State)
	require.Equal(t, wsserver.StatusReconnecting, h.Status)
	require.GreaterOrEqual(t, h.CircuitBreaker.ConsecutiveFailures, 5, "opened at the threshold")
	require.Equal(t, uint64(1), h.CircuitBreaker.Opens)

	// While open, the client does not dial: the breaker is the floor of every retry.
	attempts := r.S.Guard().Attempts()
	time.Sleep(openFor / 2) // the measurement: attempts during half the open period
	require.LessOrEqual(t, r.S.Guard().Attempts(), attempts+1, "at most an attempt already under way")

	b.start()
	eventually(t, 10*time.Second, "breaker closed", func() bool { return metric(t, reg, wsserver.MetricBreakerState, nil) == 0 })
	require.GreaterOrEqual(t, time.Since(openedAt), openFor-100*time.Millisecond, "not before the cool-down")
	logs := r.Logs.messages(t)
	i := slices.Index(logs, "circuit breaker open: kafka retries paused")
	j := slices.Index(logs, "circuit breaker half-open: probing kafka")
	k := slices.Index(logs, "circuit breaker closed: kafka is back")
	require.True(t, i >= 0 && i < j && j < k, "open, then half-open, then closed: %v", logs)
	h = r.health(t)
	require.Equal(t, "closed", h.CircuitBreaker.State)
	require.Zero(t, metric(t, reg, wsserver.MetricConsumerRestarts, nil))
}
