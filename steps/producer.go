package steps

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// libraryProducer returns the scenario's in-process reference producer for its "events"
// topic. It keeps its sequence numbers across steps (a new dashstream-produce process
// would start at 1 again).
func (w *World) libraryProducer(ctx context.Context) (*producer.Producer, error) {
	return w.producerFor(ctx, w.topic("events"))
}

// producerFor returns the scenario's reference producer writing to topic.
func (w *World) producerFor(_ context.Context, topic string) (*producer.Producer, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p, ok := w.producers[topic]; ok {
		return p, nil
	}
	opts := []producer.Opt{producer.Brokers(w.stack.Kafka().Bootstrap()...), producer.Topic(topic)}
	if w.tenantSet {
		opts = append(opts, producer.Tenant(w.tenant))
	}
	p, err := producer.New(opts...)
	if err != nil {
		return nil, err
	}
	w.producers[topic] = p
	w.cleanups = append(w.cleanups, cleanup{"producer " + topic, func(context.Context) error { p.Close(); return nil }})
	return p, nil
}

// sendEvents sends n NODE_START events on the scenario's thread to its "events" topic and
// keeps their acks.
func (w *World) sendEvents(ctx context.Context, n int) error {
	return w.sendEventsTo(ctx, w.topic("events"), n)
}

// sendEventsTo sends n NODE_START events on the scenario's thread to topic and keeps their
// acks.
func (w *World) sendEventsTo(ctx context.Context, topic string, n int) error {
	_, err := w.sendEventsTimed(ctx, topic, n)
	return err
}

// sendEventsTimed sends n NODE_START events on the scenario's thread to topic, pipelined
// (the idempotent producer keeps their order), waits until every one is acknowledged, keeps
// the acks, and returns when each was acknowledged, in sequence order.
func (w *World) sendEventsTimed(ctx context.Context, topic string, n int) ([]time.Time, error) {
	p, err := w.producerFor(ctx, topic)
	if err != nil {
		return nil, err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var (
		mu       sync.Mutex
		acks     = make([]producer.Ack, n)
		at       = make([]time.Time, n)
		firstErr error
		pending  sync.WaitGroup
	)
	pending.Add(n)
	for i := range n {
		p.SendAsync(ctx, w.thread, newEvent(), func(ack producer.Ack, err error) {
			defer pending.Done()
			mu.Lock()
			defer mu.Unlock()
			acks[i], at[i] = ack, time.Now()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("send message %d of %d on %s to %s: %w", i+1, n, w.thread, topic, err)
			}
		})
	}
	done := make(chan struct{})
	go func() { pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("send %d messages on %s to %s: not all acknowledged: %w", n, w.thread, topic, ctx.Err())
	}
	if firstErr != nil {
		return nil, firstErr
	}
	for _, a := range acks {
		w.acks[a.Sequence] = a
	}
	return at, nil
}

// newEvent returns a NODE_START event without a header; the producer stamps it.
func newEvent() *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "acceptance"}}}
}
