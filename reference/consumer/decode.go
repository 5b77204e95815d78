package consumer

import (
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// minShare is the fewest records a decoding goroutine is started for: below it, starting
// one costs more than it saves (and a lone record's latency matters more than
// throughput). A poll of fewer than 2·minShare records is decoded on the poll loop.
const minShare = 32

// decoded is the outcome of wire.Decoder.Decode for one record.
type decoded struct {
	msg *dspb.DashStreamMessage
	err error
}

// batch holds one poll's records and their decoded values. It belongs to the poll loop
// and its slices are reused from poll to poll, so steady-state polling does not grow the
// heap; reset drops what they point to, so nothing outlives its poll.
type batch struct {
	records []*kgo.Record
	out     []decoded
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
	b.records, b.out = b.records[:0], b.out[:0]
}

// decode decodes every record of the batch, on up to workers goroutines, each taking a
// contiguous share. wire.Decoder is safe for concurrent use.
func (b *batch) decode(c *Consumer, workers int) {
	n := len(b.records)
	b.out = append(b.out[:0], make([]decoded, n)...)
	one := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			b.out[i].msg, b.out[i].err = c.dec.Decode(b.records[i].Value)
		}
	}
	if workers = min(workers, n/minShare); workers < 2 {
		one(0, n)
		return
	}
	var wg sync.WaitGroup
	share := (n + workers - 1) / workers
	for lo := share; lo < n; lo += share {
		wg.Go(func() { one(lo, min(lo+share, n)) })
	}
	one(0, min(share, n)) // the poll loop's goroutine takes the first share
	wg.Wait()
}
