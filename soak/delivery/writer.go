package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// writers drive the reference producer from several goroutines, one DashStream thread
// each. Every writer has at most inFlight sends without an outcome: a slot is freed only
// by the send's callback, never by a context ending, so a broker outage blocks the
// writers instead of piling records up in franz-go's buffer (see the package doc's trap).
type writers struct {
	p        *producer.Producer
	n        int
	inFlight int
	rate     float64 // per writer; 0 = as fast as the in-flight bound allows

	attempts   atomic.Int64
	pending    atomic.Int64
	unresolved atomic.Int64

	mu     sync.Mutex
	acks   []AckRec
	errors map[string]int64
}

func newWriters(p *producer.Producer, n, inFlight int, rate float64) *writers {
	return &writers{p: p, n: n, inFlight: inFlight, rate: rate, errors: map[string]int64{}}
}

// run starts the writers and returns when ctx ends and every writer loop has stopped
// (sends already handed to the producer keep going until Flush or Close).
func (w *writers) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range w.n {
		wg.Add(1)
		go func() { defer wg.Done(); w.write(ctx, fmt.Sprintf("w%d", i)) }()
	}
	wg.Wait()
}

func (w *writers) write(ctx context.Context, thread string) {
	sem := make(chan struct{}, w.inFlight)
	var tick <-chan time.Time
	if w.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / w.rate))
		defer t.Stop()
		tick = t.C
	}
	for n := 0; ; n++ {
		if tick != nil {
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
		select {
		case <-ctx.Done():
			return
		case sem <- struct{}{}:
		}
		w.attempts.Add(1)
		w.pending.Add(1)
		// Background, not ctx: the outcome of a send must come from Kafka (or Close),
		// never from the end of the run's context.
		w.p.SendAsync(context.Background(), thread, message(n), func(a producer.Ack, err error) {
			at := time.Now()
			defer func() { w.pending.Add(-1); <-sem }()
			w.record(a, err, at)
		})
	}
}

// record accounts for one outcome; only a nil error is an ack.
func (w *writers) record(a producer.Ack, err error, at time.Time) {
	if err != nil && errors.Is(err, kgo.ErrClientClosed) {
		w.unresolved.Add(1)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.errors[errKey(err)]++
		return
	}
	w.acks = append(w.acks, AckRec{Thread: a.Thread, Seq: a.Sequence, Partition: a.Partition, Offset: a.Offset, At: at})
}

// errKey drops the producer's "send <thread> seq <n>: " prefix so errors group.
func errKey(err error) string {
	if u := errors.Unwrap(err); u != nil {
		return u.Error()
	}
	return err.Error()
}

// snapshot returns copies of the acks and the errors.
func (w *writers) snapshot() ([]AckRec, map[string]int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	errs := make(map[string]int64, len(w.errors))
	for k, v := range w.errors {
		errs[k] = v
	}
	return append([]AckRec(nil), w.acks...), errs
}

// ackCount returns how many acks arrived so far.
func (w *writers) ackCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acks)
}

func message(n int) *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START,
		NodeId:    fmt.Sprintf("node-%d", n%10),
		Attributes: map[string]*dspb.AttributeValue{
			"n": {Value: &dspb.AttributeValue_IntValue{IntValue: int64(n)}},
		},
	}}}
}
