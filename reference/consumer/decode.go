package consumer

import (
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// minParallelDecode is the smallest poll whose records are decoded by several goroutines:
// below it, starting them costs more than it saves (and a lone record's latency matters
// more than throughput).
const minParallelDecode = 64

// decoded is the outcome of wire.Decoder.Decode for one record.
type decoded struct {
	msg *dspb.DashStreamMessage
	err error
}

// batch holds one poll's records and their decoded values. It belongs to the poll loop
// and is reused from poll to poll, so steady-state polling does not grow the heap.
type batch struct {
	records []*kgo.Record
	out     []decoded
}

// collect replaces the batch's records with those of fetches, in fetch order.
func (b *batch) collect(fetches kgo.Fetches) {
	clear(b.records) // drop references to the previous poll's records
	b.records = b.records[:0]
	fetches.EachRecord(func(r *kgo.Record) { b.records = append(b.records, r) })
}

// decode decodes every record of the batch, on up to workers goroutines, each taking a
// contiguous share. wire.Decoder is safe for concurrent use.
func (b *batch) decode(c *Consumer, workers int) {
	n := len(b.records)
	clear(b.out)
	if cap(b.out) < n {
		b.out = make([]decoded, n)
	}
	b.out = b.out[:n]
	one := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			b.out[i].msg, b.out[i].err = c.dec.Decode(b.records[i].Value)
		}
	}
	if workers = min(workers, n/(minParallelDecode/2)); workers < 2 {
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
