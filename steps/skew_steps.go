package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/cucumber/godog"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/steps/evidence"
)

func registerSkewSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a producer whose clock is (\d+) seconds ahead writes (\d+) events$`, skewedProducerWrites)
	sc.Step(`^the exporter counts (\d+) negative latencies and observes none of them$`, negativeLatencies)
}

// skewedProducerWrites writes events whose timestamp_us is ahead of the real time, as a
// producer with a fast clock does. The records are encoded with the reference wire
// package and written with a plain franz-go client: here the harness is a writer of the
// format (the reference producer stamps the real time and cannot be told to lie), and
// what is judged is the exporter's reaction, not these bytes.
func skewedProducerWrites(ctx context.Context, ahead, n int) error {
	w := world(ctx)
	cl, err := w.stack.Kafka().Client()
	if err != nil {
		return err
	}
	defer cl.Close()
	before, err := scrape(ctx, w.services["exporter"].Addr())
	if err != nil {
		return err
	}
	w.latencyBefore = before["dashstream_e2e_latency_seconds_count"]
	w.rec.Evidence(evidence.Before, evidence.KindMetric, "e2e latency observations", w.latencyBefore)
	enc := wire.NewEncoder()
	thread := w.name("skewed")
	for i := range n {
		id := uuid.New()
		msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header: &dspb.Header{MessageId: id[:], TenantId: "default", ThreadId: thread, Sequence: uint64(i + 1),
				TimestampUs: time.Now().Add(time.Duration(ahead) * time.Second).UnixMicro(),
				Type:        dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: wire.SchemaVersion},
			EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "skewed"}}}
		value, err := enc.Encode(msg)
		if err != nil {
			return err
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: w.topic("events"), Key: []byte(thread), Value: value}).FirstErr(); err != nil {
			return fmt.Errorf("produce skewed event %d: %w", i+1, err)
		}
	}
	return nil
}

func negativeLatencies(ctx context.Context, n int) error {
	w := world(ctx)
	svc := w.services["exporter"]
	var last map[string]float64
	err := w.eventually(ctx, fmt.Sprintf("the exporter to count %d negative latencies", n), 20*time.Second, func(ctx context.Context) (bool, string, error) {
		m, err := scrape(ctx, svc.Addr())
		if err != nil {
			return false, "", err
		}
		last = m
		got := m["dashstream_e2e_latency_negative_total"]
		return got == float64(n), fmt.Sprintf("dashstream_e2e_latency_negative_total = %v", got), nil
	})
	if err != nil {
		return err
	}
	observed := last["dashstream_e2e_latency_seconds_count"] - w.latencyBefore
	w.rec.Evidence(evidence.After, evidence.KindMetric, "e2e latency", map[string]float64{
		"negative_total": last["dashstream_e2e_latency_negative_total"], "histogram_observations_added": observed})
	if observed != 0 {
		return fmt.Errorf("the latency histogram took %v observations from skewed messages, expected none", observed)
	}
	return nil
}
