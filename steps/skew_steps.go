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
	"github.com/dashstream/acceptance/system/sut"
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
	judged := []string{"dashstream_e2e_latency_seconds_count", "dashstream_messages_received_total", "dashstream_e2e_latency_negative_total"}
	for _, name := range judged {
		if err := w.needMetric(sut.Exporter, name); err != nil {
			return err
		}
	}
	cl, err := w.stack.Kafka().Client()
	if err != nil {
		return err
	}
	defer cl.Close()
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	before, err := scrape(ctx, exp.Addr())
	if err != nil {
		return err
	}
	// A series the exporter documents but does not expose fails here by name: read as 0,
	// it would make the differences below prove nothing.
	for _, name := range judged {
		if _, ok := before[name]; !ok {
			return fmt.Errorf("the exporter exposes no %s before the skewed records are written", name)
		}
	}
	state[skewState](w).latencyBefore = before["dashstream_e2e_latency_seconds_count"]
	w.rec.Evidence(evidence.Before, evidence.KindMetric, "e2e latency observations", state[skewState](w).latencyBefore)
	truth := state[skewState](w)
	truth.receivedBefore, truth.negativeBefore = before["dashstream_messages_received_total"], before["dashstream_e2e_latency_negative_total"]
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
		truth.wrote(msg.GetEvent().GetHeader().GetTimestampUs())
	}
	return nil
}

// skewState is what the harness itself knows of the skewed records it wrote: how many,
// the earliest timestamp_us among them, and the exporter's counters before.
type skewState struct {
	written                        int
	earliestUs                     int64
	receivedBefore, negativeBefore float64
	latencyBefore                  float64 // the exporter's latency observations before
}

func (s *skewState) wrote(tsUs int64) {
	if s.written == 0 || tsUs < s.earliestUs {
		s.earliestUs = tsUs
	}
	s.written++
}

// negativeLatencies compares the exporter's counters with what the harness knows: it
// wrote n records whose timestamps lie ahead; when the exporter has counted them all
// before the earliest of those timestamps came, each was necessarily received before
// its timestamp, so exactly n negative latencies, n more messages received and no
// histogram observation are the truth.
func negativeLatencies(ctx context.Context, n int) error {
	w := world(ctx)
	svc, err := w.service("exporter")
	if err != nil {
		return err
	}
	truth := state[skewState](w)
	if truth.written != n {
		return fmt.Errorf("the harness wrote %d skewed records, the step expects %d", truth.written, n)
	}
	var last map[string]float64
	var countedAt time.Time
	err = w.eventually(ctx, fmt.Sprintf("the exporter to count %d negative latencies", n), 20*time.Second, func(ctx context.Context) (bool, string, error) {
		m, err := scrape(ctx, svc.Addr())
		if err != nil {
			return false, "", err
		}
		last, countedAt = m, time.Now()
		got, ok := m["dashstream_e2e_latency_negative_total"]
		if !ok {
			return false, "", fmt.Errorf("the exporter serves no dashstream_e2e_latency_negative_total")
		}
		got -= truth.negativeBefore
		return got == float64(n), fmt.Sprintf("dashstream_e2e_latency_negative_total rose by %v", got), nil
	})
	if err != nil {
		return err
	}
	earliest := time.UnixMicro(truth.earliestUs)
	observed := last["dashstream_e2e_latency_seconds_count"] - state[skewState](w).latencyBefore
	received := last["dashstream_messages_received_total"] - truth.receivedBefore
	w.rec.Evidence(evidence.After, evidence.KindMetric, "e2e latency: the exporter's counters beside the harness's records", map[string]any{
		"harness_wrote": truth.written, "earliest_timestamp": earliest.UTC().Format(time.RFC3339Nano),
		"counted_at": countedAt.UTC().Format(time.RFC3339Nano), "negative_total_added": last["dashstream_e2e_latency_negative_total"] - truth.negativeBefore,
		"messages_received_added": received, "histogram_observations_added": observed})
	if !countedAt.Before(earliest) {
		return fmt.Errorf("the exporter counted the %d negative latencies only at %s, after the earliest record's timestamp %s: the harness cannot prove each was received before its timestamp",
			n, countedAt.UTC().Format(time.RFC3339Nano), earliest.UTC().Format(time.RFC3339Nano))
	}
	if received != float64(truth.written) {
		return fmt.Errorf("dashstream_messages_received_total rose by %v, the harness wrote %d records", received, truth.written)
	}
	if observed != 0 {
		return fmt.Errorf("the latency histogram took %v observations from skewed messages, expected none", observed)
	}
	return nil
}
