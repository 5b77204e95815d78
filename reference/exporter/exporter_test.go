package exporter_test

import (
	"context"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/exporter"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

func event() *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "n"}}}
}

func qualityEvent(n int) *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Metrics{Metrics: &dspb.Metrics{
		Scope: exporter.QualityScope, ScopeId: "run-1",
		Metrics: map[string]*dspb.MetricValue{
			"score":      {Value: &dspb.MetricValue_FloatValue{FloatValue: 0.25 * float64(n)}, Type: dspb.MetricType_METRIC_TYPE_GAUGE},
			"checks":     {Value: &dspb.MetricValue_IntValue{IntValue: int64(10 * n)}, Type: dspb.MetricType_METRIC_TYPE_COUNTER},
			"passed":     {Value: &dspb.MetricValue_BoolValue{BoolValue: n%2 == 0}},
			"model name": {Value: &dspb.MetricValue_StringValue{StringValue: "m"}},
		},
	}}}
}

// send writes msgs with a producer of tenant to topic and waits for the acks.
func send(t *testing.T, addrs []string, tenant, topic, thread string, msgs ...*dspb.DashStreamMessage) {
	t.Helper()
	p, err := producer.New(producer.Brokers(addrs...), producer.Tenant(tenant), producer.Topic(topic))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, m := range msgs {
		_, err := p.Send(ctx, thread, m)
		require.NoError(t, err)
	}
}

// TestDocListsEveryMetric keeps the package doc, the contract, in step with the code.
func TestDocListsEveryMetric(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	documented := regexp.MustCompile(`dashstream_[a-z0-9_]+`).FindAllString(string(doc), -1)
	e, err := exporter.New(exporter.Brokers("127.0.0.1:1"), exporter.Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(e.Close)
	families, err := e.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if name := f.GetName(); regexp.MustCompile(`^dashstream_`).MatchString(name) {
			require.Contains(t, documented, name, "doc.go lists every exported metric")
		}
	}
	for _, name := range []string{exporter.MetricE2ELatency, exporter.MetricE2ENegative, exporter.MetricConsumerLag,
		exporter.MetricKafkaConnected, exporter.MetricConnectAttempts, consumer.MetricReceived, consumer.MetricGaps} {
		require.Contains(t, documented, name)
	}
}

func TestMetricsAfterTraffic(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 2, consumer.DefaultTopic, exporter.DefaultQualityTopic)
	var events []*dspb.DashStreamMessage
	for range 10 {
		events = append(events, event())
	}
	send(t, addrs, "acme", consumer.DefaultTopic, "t1", events...)
	send(t, addrs, "acme", exporter.DefaultQualityTopic, "q", qualityEvent(1), qualityEvent(2), qualityEvent(3))
	send(t, addrs, "globex", exporter.DefaultQualityTopic, "q", qualityEvent(4))

	r := start(t, exporter.Brokers(addrs...), exporter.LagInterval(50*time.Millisecond))
	reg := r.E.Registry()
	eventually(t, 10*time.Second, "14 messages received", func() bool {
		v, _ := metric(t, reg, consumer.MetricReceived, nil)
		return v == 14
	})
	require.Equal(t, 14.0, mustMetric(t, reg, exporter.MetricE2ELatency, nil), "every message observed once")
	require.Zero(t, mustMetric(t, reg, exporter.MetricE2ENegative, nil))
	require.Zero(t, mustMetric(t, reg, consumer.MetricGaps, nil))

	acme := map[string]string{"tenant": "acme", "scope_id": "run-1"}
	require.Equal(t, 0.75, mustMetric(t, reg, "dashstream_quality_score", acme), "the latest value")
	require.Equal(t, 30.0, mustMetric(t, reg, "dashstream_quality_checks_total", acme))
	require.Equal(t, 0.0, mustMetric(t, reg, "dashstream_quality_passed", acme))
	require.Equal(t, 1.0, mustMetric(t, reg, "dashstream_quality_passed", map[string]string{"tenant": "globex", "scope_id": "run-1"}))
	require.Equal(t, 3.0, mustMetric(t, reg, exporter.MetricQualityMessages, map[string]string{"tenant": "acme"}))
	require.Equal(t, 4.0, mustMetric(t, reg, exporter.MetricQualitySkipped, map[string]string{"reason": exporter.SkipNotNumeric}))

	eventually(t, 10*time.Second, "lag 0 on every partition", func() bool {
		for _, topic := range exporter.DefaultTopics {
			for p := range 2 {
				v, ok := metric(t, reg, exporter.MetricConsumerLag, map[string]string{"topic": topic, "partition": strconv.Itoa(p)})
				if !ok || v != 0 {
					return false
				}
			}
		}
		return true
	})
	require.Equal(t, 1.0, mustMetric(t, reg, exporter.MetricKafkaConnected, nil))
	require.Positive(t, mustMetric(t, reg, exporter.MetricConnectAttempts, nil))

	code, body := r.get(t, "/metrics")
	require.Equal(t, 200, code)
	require.Contains(t, body, `dashstream_quality_score{scope_id="run-1",tenant="acme"} 0.75`)
	require.Contains(t, body, `dashstream_e2e_latency_seconds_bucket{le="0.5"}`)
	code, body = r.get(t, "/readyz")
	require.Equal(t, 200, code, body)
	code, _ = r.get(t, "/healthz")
	require.Equal(t, 200, code)
}

// produceRaw writes already framed values to topic partition 0.
func produceRaw(t *testing.T, addrs []string, topic string, values ...[]byte) {
	t.Helper()
	cl := kfaketest.Client(t, addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, v := range values {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("k"), Value: v}).FirstErr())
	}
}

func framed(t *testing.T, seq uint64, ts time.Time) []byte {
	t.Helper()
	h := &dspb.Header{TenantId: "acme", ThreadId: "t", Sequence: seq, MessageId: make([]byte, 16)}
	if !ts.IsZero() {
		h.TimestampUs = ts.UnixMicro()
	}
	v, err := wire.NewEncoder().Encode(&dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{Header: h}}})
	require.NoError(t, err)
	return v
}

func TestNegativeLatencyCountedNotObserved(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, consumer.DefaultTopic)
	now := time.Now()
	produceRaw(t, addrs, consumer.DefaultTopic,
		framed(t, 1, now.Add(-200*time.Millisecond)), // 200 ms old: observed
		framed(t, 2, now.Add(time.Hour)),             // producer clock an hour ahead
		framed(t, 3, time.Time{}),                    // no timestamp
		framed(t, 4, now.Add(-2*time.Second)))
	r := start(t, exporter.Brokers(addrs...), exporter.Topics(consumer.DefaultTopic))
	reg := r.E.Registry()
	eventually(t, 10*time.Second, "4 messages received", func() bool {
		v, _ := metric(t, reg, consumer.MetricReceived, nil)
		return v == 4
	})
	require.Equal(t, 1.0, mustMetric(t, reg, exporter.MetricE2ENegative, nil))
	require.Equal(t, 1.0, mustMetric(t, reg, exporter.MetricE2EMissingTimestamp, nil))
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != exporter.MetricE2ELatency {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		require.Equal(t, uint64(2), h.GetSampleCount(), "only the two messages from the past")
		require.Greater(t, h.GetSampleSum(), 2.2, "200 ms + 2 s, plus delivery")
		require.Less(t, h.GetSampleSum(), 20.0)
		for _, b := range h.GetBucket() {
			if b.GetUpperBound() == 0.1 {
				require.Zero(t, b.GetCumulativeCount(), "nothing observed below 0.1 s: no negative or zero sneaked in")
			}
		}
	}
}
