package pipelinetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

const topic = consumer.DefaultTopic

// fastFetch keeps resumed and idle fetches short, so the tests stay fast.
var fastFetch = consumer.ClientOpts(kgo.FetchMaxWait(200 * time.Millisecond))

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newProducer(t *testing.T, addrs []string, tenant string) *producer.Producer {
	t.Helper()
	p, err := producer.New(producer.Brokers(addrs...), producer.Tenant(tenant))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func event(i int) *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "node",
		Attributes: map[string]*dspb.AttributeValue{"i": {Value: &dspb.AttributeValue_IntValue{IntValue: int64(i)}}},
	}}}
}

// sendN sends n messages on thread and waits for all acknowledgements.
func sendN(t *testing.T, p *producer.Producer, thread string, n int) {
	t.Helper()
	ctx := testCtx(t)
	sendAsyncN(ctx, t, p, thread, n)
	require.NoError(t, p.Flush(ctx))
}

// sendAsyncN hands n messages on thread to p without waiting; failures fail the test
// (t.Errorf, safe from any goroutine). Flush p afterwards.
func sendAsyncN(ctx context.Context, t *testing.T, p *producer.Producer, thread string, n int) {
	for i := range n {
		p.SendAsync(ctx, thread, event(i), func(_ producer.Ack, err error) {
			if err != nil {
				t.Errorf("send on %s: %v", thread, err)
			}
		})
	}
}

// rawMessage encodes a message with a header set by hand, for records the producer
// would never write (replays, reorders).
func rawMessage(t *testing.T, tenant, thread string, seq uint64, opts ...wire.EncoderOpt) []byte {
	t.Helper()
	return rawPadded(t, tenant, thread, seq, "", opts...)
}

// rawPadded is rawMessage with a node id of pad (a large, compressible one makes zstd
// framing).
func rawPadded(t *testing.T, tenant, thread string, seq uint64, pad string, opts ...wire.EncoderOpt) []byte {
	t.Helper()
	msg := event(int(seq))
	if pad != "" {
		msg.GetEvent().NodeId = pad
	}
	msg.GetEvent().Header = &dspb.Header{MessageId: make([]byte, 16), TenantId: tenant, ThreadId: thread,
		Sequence: seq, Type: dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: wire.SchemaVersion}
	v, err := wire.NewEncoder(opts...).Encode(msg)
	require.NoError(t, err)
	return v
}

// produceRaw writes values, in order, to partition 0 with a plain franz-go client.
func produceRaw(t *testing.T, addrs []string, key string, values ...[]byte) {
	t.Helper()
	cl := kfaketest.Client(t, addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx := testCtx(t)
	for _, v := range values {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: 0, Key: []byte(key), Value: v}).FirstErr())
	}
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return "<missing>"
}
