package consumer

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/semaphore"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// minShare is the most records one decoding goroutine takes at a time, and the fewest a
// goroutine is started for: below it, starting one costs more than it saves (and a lone
// record's latency matters more than throughput). A poll of fewer than 2·minShare records
// is decoded on the poll loop, one record at a time.
const minShare = 32

// decoded is the outcome of wire.Decoder.Decode for one record.
type decoded struct {
	msg *dspb.DashStreamMessage
	err error
}

// batch holds one poll's records and their decoded values. It belongs to the poll loop
// and its slices are reused from poll to poll, so steady-state polling does not grow the
// heap; a record's message is dropped as soon as it is handled, so nothing outlives its
// handling.
type batch struct {
	records []*kgo.Record
	out     []decoded
	weights []int64
	// held is the weight reserved for records being decoded, or decoded and not yet
	// handled (a chunk's is released whole once all its records are handled); peak is the
	// most it reached, over the batch's life.
	held, peak atomic.Int64
}

// hold adds w to the held weight and raises the peak.
func (b *batch) hold(w int64) {
	now := b.held.Add(w)
	for p := b.peak.Load(); now > p && !b.peak.CompareAndSwap(p, now); p = b.peak.Load() {
	}
}

// collect replaces the batch's records with those of fetches, in fetch order.
func (b *batch) collect(fetches kgo.Fetches) {
	b.reset()
	fetches.EachRecord(func(r *kgo.Record) { b.records = append(b.records, r) })
}

// reset empties the batch and drops its references to records and messages.
func (b *batch) reset() {
	clear(b.records)
	clear(b.out)
	b.records, b.out, b.weights = b.records[:0], b.out[:0], b.weights[:0]
}

// chunk is a contiguous run of records whose budget (weight) is reserved, decoded by one
// goroutine.
type chunk struct {
	lo, hi int
	weight int64
	done   chan struct{}
}

// process decodes every record of the batch, on up to workers goroutines, and calls
// handle for each, on the caller's goroutine and in fetch order. The decoded bytes held at
// once (decoded but not yet handled) never exceed the budget: before a chunk of records is
// decoded, the size their content can reach (wire.Decoder.ContentBound, each capped at the
// budget, so a record larger than the budget is decoded alone) is reserved, in fetch
// order, and released once the chunk's records are handled. Reserving in fetch order and
// releasing in handling order cannot deadlock: the oldest unhandled chunk always holds its
// reservation. One reservation per chunk, not per record, keeps the budget off the
// per-record cost.
func (b *batch) process(c *Consumer, workers int, handle func(i int, d decoded)) {
	n := len(b.records)
	b.out = append(b.out[:0], make([]decoded, n)...)
	b.weights = b.weights[:0]
	for _, r := range b.records {
		b.weights = append(b.weights, max(1, min(int64(c.dec.ContentBound(r.Value)), c.budgetSize)))
	}
	if workers = min(workers, n/minShare); workers < 2 {
		for i, r := range b.records { // one record decoded at a time: within any budget
			b.hold(b.weights[i])
			d := decoded{}
			d.msg, d.err = c.dec.Decode(r.Value)
			handle(i, d)
			b.held.Add(-b.weights[i])
		}
		return
	}
	work := make(chan chunk, n)
	order := make(chan chunk, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ch := range work {
				for i := ch.lo; i < ch.hi; i++ {
					b.out[i].msg, b.out[i].err = c.dec.Decode(b.records[i].Value)
				}
				close(ch.done)
			}
		})
	}
	go b.reserve(c.budget, c.budgetSize/int64(workers), work, order)
	for ch := range order {
		<-ch.done
		for i := ch.lo; i < ch.hi; i++ {
			d := b.out[i]
			b.out[i] = decoded{}
			handle(i, d)
		}
		b.held.Add(-ch.weight)
		c.budget.Release(ch.weight)
	}
	wg.Wait()
}

// reserve walks the records in fetch order and hands out chunks of at most minShare
// records and at most share bytes (or one record, whatever its weight), each reserved
// whole before it is handed out. It waits for budget only with nothing reserved and not
// handed out, and a chunk never weighs more than the budget.
func (b *batch) reserve(sem *semaphore.Weighted, share int64, work, order chan<- chunk) {
	defer close(work)
	defer close(order)
	for lo := 0; lo < len(b.weights); {
		hi, w := lo+1, b.weights[lo]
		for hi < len(b.weights) && hi-lo < minShare && w+b.weights[hi] <= share {
			w += b.weights[hi]
			hi++
		}
		_ = sem.Acquire(context.Background(), w) // w <= the budget: granted once older chunks are handled
		b.hold(w)
		ch := chunk{lo: lo, hi: hi, weight: w, done: make(chan struct{})}
		order <- ch
		work <- ch
		lo = hi
	}
}
