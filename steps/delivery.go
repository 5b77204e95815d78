package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/producer"
)

// delivery is what the records read back from a topic show about one producer thread's
// sends, judged against the harness's own record of them (sent count, acknowledgements,
// failures). It is the result of checkDelivery, a pure function.
type delivery struct {
	Acknowledged int      `json:"acknowledged"`
	Read         int      `json:"read"`            // records read back
	Lost         []uint64 `json:"acked_not_read"`  // acknowledged, never read
	Duplicates   []uint64 `json:"duplicates"`      // read more than once
	Misplaced    []string `json:"misplaced"`       // acknowledged at an offset that holds something else
	FailedRead   []uint64 `json:"failed_but_read"` // reported failed, read anyway: a failed send's outcome is unknown
	Unexplained  []string `json:"unexplained"`     // read, but the harness never acknowledged it and cannot explain it
	Undecodable  []string `json:"undecodable"`     // read, but not a DashStream message
}

type position struct {
	partition int32
	offset    int64
}

// checkDelivery compares the records read back from a topic (all of them, from its
// start) with what the harness knows of a thread's sends: sequences 1 to sent were handed
// to the producer, acked were acknowledged (with where), failed were reported failed.
// Every acknowledged sequence must be read exactly once, at the partition and offset its
// acknowledgement named; a record the harness never acknowledged is explained only by a
// failed send (whose outcome is unknown); anything else read is unexplained.
func checkDelivery(thread string, sent int, acked map[uint64]producer.Ack, failed map[uint64]error, recs []readRecord) delivery {
	d := delivery{Acknowledged: len(acked), Read: len(recs)}
	count := map[uint64]int{}
	at := map[position]uint64{}
	for _, r := range recs {
		where := fmt.Sprintf("%d/%d", r.Partition, r.Offset)
		switch {
		case r.Err != nil:
			d.Undecodable = append(d.Undecodable, fmt.Sprintf("%s: %v", where, r.Err))
			continue
		case r.Header.GetThreadId() != thread:
			d.Unexplained = append(d.Unexplained, fmt.Sprintf("%s: a record of thread %q, not %q", where, r.Header.GetThreadId(), thread))
			continue
		}
		seq := r.Header.GetSequence()
		at[position{r.Partition, r.Offset}] = seq
		count[seq]++
		if count[seq] > 1 {
			continue // counted once below, as a duplicate
		}
		if _, ok := acked[seq]; ok {
			continue
		}
		switch _, ok := failed[seq]; {
		case ok:
			d.FailedRead = append(d.FailedRead, seq)
		case seq == 0 || seq > uint64(sent):
			d.Unexplained = append(d.Unexplained, fmt.Sprintf("%s: sequence %d, never sent (sequences 1 to %d were)", where, seq, sent))
		default:
			d.Unexplained = append(d.Unexplained, fmt.Sprintf("%s: sequence %d, sent but neither acknowledged nor failed", where, seq))
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(count)) {
		if count[seq] > 1 {
			d.Duplicates = append(d.Duplicates, seq)
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(acked)) {
		a := acked[seq]
		if count[seq] == 0 {
			d.Lost = append(d.Lost, seq)
			continue
		}
		got, ok := at[position{a.Partition, a.Offset}]
		switch {
		case !ok:
			d.Misplaced = append(d.Misplaced, fmt.Sprintf("sequence %d acknowledged at %d/%d, where no record of the thread was read", seq, a.Partition, a.Offset))
		case got != seq:
			d.Misplaced = append(d.Misplaced, fmt.Sprintf("sequence %d acknowledged at %d/%d, which holds sequence %d", seq, a.Partition, a.Offset, got))
		}
	}
	slices.Sort(d.FailedRead)
	return d
}

// producerIDs reads topic from its start with a plain franz-go client until it has seen
// want records, and counts them by the producer id their record batch carries: the
// broker's own record of who wrote them. An idempotent producer's batches carry the id
// the broker gave it; a non-idempotent one's carry -1.
func (w *World) producerIDs(ctx context.Context, topic string, want int) (map[int64]int, error) {
	cl, err := w.stack.Kafka().Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ids := map[int64]int{}
	for got := 0; got < want; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return ids, fmt.Errorf("read %d of %d records of %s: %w", got, want, topic, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) { ids[r.ProducerID]++; got++ })
	}
	return ids, nil
}
