package wsserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/wsserver"
)

// denyOneFetch makes the next fetch answer TOPIC_AUTHORIZATION_FAILED for every
// partition: a fatal error for the reference consumer, whose Run then returns.
func denyOneFetch(req kmsg.Request) (kmsg.Response, error, bool) {
	fr := req.(*kmsg.FetchRequest)
	resp := fr.ResponseKind().(*kmsg.FetchResponse)
	resp.Version = fr.Version
	for _, rt := range fr.Topics {
		t := kmsg.NewFetchResponseTopic()
		t.Topic, t.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			p := kmsg.NewFetchResponseTopicPartition()
			p.Partition = rp.Partition
			p.ErrorCode = kerr.TopicAuthorizationFailed.Code
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp, nil, true
}

func TestConsumerLoopRestartIsCountedAndTheStreamGoesOn(t *testing.T) {
	c, addrs := kfaketest.Cluster(t, 1, consumer.DefaultTopic)
	r := start(t, append(fastKafka(), wsserver.Brokers(addrs...), wsserver.Topics(consumer.DefaultTopic),
		wsserver.HealthWindow(time.Minute))...)
	client := r.dial(t, "tenant=acme", nil)
	r.waitClients(t, 1)
	p := newProducer(t, addrs, "acme")
	send(t, p, "before", 1)
	require.Equal(t, "before", readFrame(t, client, 10*time.Second).Header.ThreadID)

	c.ControlKey(int16(kmsg.Fetch), denyOneFetch) // handled once, then dropped
	eventually(t, 10*time.Second, "a restart of the consumer loop", func() bool {
		return metric(t, r.S.Registry(), wsserver.MetricConsumerRestarts, nil) == 1
	})
	require.Contains(t, r.Logs.messages(t), "kafka consumer loop ended; restarting it")
	h := r.health(t)
	require.Equal(t, uint64(1), h.Metrics.InfrastructureErrors)
	require.Equal(t, wsserver.StatusDegraded, h.Status, "%v", h.Reasons)

	send(t, p, "after", 1)
	require.Equal(t, "after", readFrame(t, client, 10*time.Second).Header.ThreadID, "same consumer, same position")
	require.Equal(t, 1, r.health(t).Metrics.ConnectedClients)
}
