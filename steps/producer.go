package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// libraryProducer returns the scenario's in-process reference producer, which keeps its
// sequence numbers across steps (a new dashstream-produce process would start at 1).
func (w *World) libraryProducer(ctx context.Context) (*producer.Producer, error) {
	if w.producer != nil {
		return w.producer, nil
	}
	opts := []producer.Opt{producer.Brokers(w.stack.Kafka().Bootstrap()...), producer.Topic(w.topic("events"))}
	if w.tenant != "" {
		opts = append(opts, producer.Tenant(w.tenant))
	}
	p, err := producer.New(opts...)
	if err != nil {
		return nil, err
	}
	w.producer = p
	w.onCleanup("producer", func(context.Context) error { p.Close(); return nil })
	return p, nil
}

// sendEvents sends n NODE_START events on the scenario's thread and keeps their acks.
func (w *World) sendEvents(ctx context.Context, n int) error {
	p, err := w.libraryProducer(ctx)
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for range n {
		ack, err := p.Send(ctx, w.thread, &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "acceptance"}}})
		if err != nil {
			return fmt.Errorf("send on %s: %w", w.thread, err)
		}
		w.acks[ack.Sequence] = ack
	}
	return nil
}
