package steps

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// load is a producer writing events on one thread at a steady rate in the background,
// keeping every acknowledgement with the time it arrived and every failure: the harness's
// own record of what the producer said happened to each send.
type load struct {
	mu       sync.Mutex
	acked    map[uint64]producer.Ack
	failed   map[uint64]error
	ackTimes []time.Time // when each acknowledgement arrived, in arrival order
	lastAck  time.Time
	sent     int
	stopped  time.Time // when the last record was handed to the producer
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
	w.onCleanup("load", func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = l.halt(ctx, p) // the scenario has its verdict; this only stops the writer
		return nil
	})
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	thread := w.thread // the load keeps its thread: a later step may name another one
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
			// Not lctx: stopping the writer must not fail the records it already handed
			// over; they are settled by halt's flush.
			p.SendAsync(context.Background(), thread, &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
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
	l.ackTimes = append(l.ackTimes, l.lastAck)
}

// counts returns how many records were sent, acknowledged and failed so far.
func (l *load) counts() (sent, acked, failed int, lastAck time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent, len(l.acked), len(l.failed), l.lastAck
}

// halt stops sending and waits, within ctx, until every record handed to the producer is
// acknowledged or failed. It returns the flush's error, or an error naming the records
// still outstanding: neither is ever read as "nothing was lost".
func (l *load) halt(ctx context.Context, p *producer.Producer) error {
	l.stop()
	<-l.finished
	l.mu.Lock()
	if l.stopped.IsZero() {
		l.stopped = time.Now()
	}
	l.mu.Unlock()
	err := p.Flush(ctx)
	sent, acked, failed, _ := l.counts()
	if err != nil {
		return fmt.Errorf("settle the producer's records: %w (%s)", err, l)
	}
	if out := sent - acked - failed; out != 0 {
		return fmt.Errorf("settle the producer's records: the flush returned with %d records neither acknowledged nor failed (%s)", out, l)
	}
	return nil
}

// stoppedAt returns when the writer stopped (zero while it runs).
func (l *load) stoppedAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopped
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

// failures returns a copy of the failed sends by sequence.
func (l *load) failures() map[uint64]error {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[uint64]error, len(l.failed))
	for k, v := range l.failed {
		out[k] = v
	}
	return out
}

// acks returns when each acknowledgement arrived, in time order.
func (l *load) acks() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.ackTimes)
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func (l *load) String() string {
	sent, acked, failed, _ := l.counts()
	return fmt.Sprintf("%d sent, %d acknowledged, %d failed", sent, acked, failed)
}

// pause is an interval in which no acknowledgement arrived.
type pause struct{ From, To time.Time }

// Duration returns the length of the pause.
func (p pause) Duration() time.Duration { return p.To.Sub(p.From) }

func (p pause) String() string {
	return fmt.Sprintf("%.1f s without an acknowledgement, from %s to %s",
		p.Duration().Seconds(), p.From.Format("15:04:05.000"), p.To.Format("15:04:05.000"))
}

// longestPause returns the longest interval within [from, to] in which no acknowledgement
// arrived: from the window's start to the first acknowledgement in it, between two
// consecutive ones, or from the last one to the window's end. acks must be in time
// order; a window with no acknowledgement is one pause.
func longestPause(acks []time.Time, from, to time.Time) pause {
	longest := pause{From: from, To: from}
	prev := from
	for _, at := range acks {
		if at.Before(from) {
			continue
		}
		if at.After(to) {
			break
		}
		if p := (pause{From: prev, To: at}); p.Duration() > longest.Duration() {
			longest = p
		}
		prev = at
	}
	if p := (pause{From: prev, To: to}); p.Duration() > longest.Duration() {
		longest = p
	}
	return longest
}
