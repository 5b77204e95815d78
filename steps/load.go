package steps

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// load is a producer writing events on one thread at a steady rate in the background,
// keeping every acknowledgement and every failure.
type load struct {
	mu       sync.Mutex
	acked    map[uint64]producer.Ack
	failed   map[uint64]error
	lastAck  time.Time
	sent     int
	stop     context.CancelFunc
	finished chan struct{}
}

// startLoad starts writing on the scenario's thread with the scenario's producer.
func (w *World) startLoad(ctx context.Context, perSecond int) error {
	p, err := w.libraryProducer(ctx)
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	lctx, cancel := context.WithCancel(context.Background())
	l := &load{acked: map[uint64]producer.Ack{}, failed: map[uint64]error{}, stop: cancel, finished: make(chan struct{})}
	w.load = l
	w.onCleanup("load", func(ctx context.Context) error { l.halt(ctx, p); return nil })
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	go func() {
		defer close(l.finished)
		defer tick.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-tick.C:
			}
			l.mu.Lock()
			l.sent++
			l.mu.Unlock()
			p.SendAsync(lctx, w.thread, &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
				EventType: dspb.EventType_EVENT_TYPE_NODE_END, NodeId: "load"}}}, l.record)
		}
	}()
	return nil
}

func (l *load) record(ack producer.Ack, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.failed[ack.Sequence] = err
		return
	}
	l.acked[ack.Sequence] = ack
	l.lastAck = time.Now()
}

// counts returns how many records were sent, acknowledged and failed so far.
func (l *load) counts() (sent, acked, failed int, lastAck time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent, len(l.acked), len(l.failed), l.lastAck
}

// halt stops sending and waits, within ctx, for outstanding records to be acknowledged.
func (l *load) halt(ctx context.Context, p *producer.Producer) {
	l.stop()
	<-l.finished
	_ = p.Flush(ctx)
}

// ackedSet returns a copy of the acknowledged records by sequence.
func (l *load) ackedSet() map[uint64]producer.Ack {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[uint64]producer.Ack, len(l.acked))
	for k, v := range l.acked {
		out[k] = v
	}
	return out
}

func (l *load) String() string {
	sent, acked, failed, _ := l.counts()
	return fmt.Sprintf("%d sent, %d acknowledged, %d failed", sent, acked, failed)
}
