package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/observe/wiredecode"
	"github.com/dashstream/acceptance/system/stack"
)

// ErrNotFound is returned by OffsetOfSequence when no record of the topic carries the
// sequence asked for.
var ErrNotFound = errors.New("record not found")

// deleteBelow is the DeleteBelow fault.
type deleteBelow struct {
	k         stack.Kafka
	topic     string
	partition int32
	offset    int64
}

// DeleteBelow deletes the records of topic's partition below offset with Kafka's
// DeleteRecords, as retention does with unread data: the partition's log start offset
// moves to offset, and a consumer positioned before it resumes past a gap.
//
// It cannot be undone: deleted records are gone. Its Undo does nothing but record the
// fault's end, so it can be handled like every other fault.
func DeleteBelow(k stack.Kafka, topic string, partition int32, offset int64) Fault {
	return &deleteBelow{k: k, topic: topic, partition: partition, offset: offset}
}

func (f *deleteBelow) Name() string              { return "delete-records" }
func (f *deleteBelow) Needs() []stack.Capability { return []stack.Capability{stack.DeleteRecords} }

func (f *deleteBelow) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	detail := fmt.Sprintf("%s/%d: records below offset %d deleted (not undoable)", f.topic, f.partition, f.offset)
	var low int64
	return inject(ctx, tl, f.Name(), detail, func(ctx context.Context) (injection, error) {
		adm, err := f.k.Admin()
		if err != nil {
			return injection{}, err
		}
		defer adm.Close()
		var os kadm.Offsets
		os.Add(kadm.Offset{Topic: f.topic, Partition: f.partition, At: f.offset})
		resp, err := adm.DeleteRecords(ctx, os)
		if err != nil {
			return injection{}, fmt.Errorf("delete records: %w", err)
		}
		r, ok := resp.Lookup(f.topic, f.partition)
		if !ok {
			return injection{}, fmt.Errorf("delete records: no answer for %s/%d", f.topic, f.partition)
		}
		if r.Err != nil {
			return injection{}, fmt.Errorf("delete records of %s/%d below %d: %w", f.topic, f.partition, f.offset, r.Err)
		}
		low = r.LowWatermark
		note := func() string {
			return fmt.Sprintf("%s/%d: log start offset is %d; deleted records stay deleted", f.topic, f.partition, low)
		}
		return injection{endNote: note}, nil
	}, nil)
}

// OffsetOfSequence finds the record of thread with header sequence seq in topic, reading
// every partition from its start to the end it has when the call begins, and decoding
// each record with the harness's own decoder (observe/wiredecode), so a defect in the
// pipeline's decoder cannot pick the record to replay. It returns ErrNotFound when there is none (records
// that fail to decode are skipped). Bounded by ctx.
func OffsetOfSequence(ctx context.Context, k stack.Kafka, topic, thread string, seq uint64) (partition int32, offset int64, err error) {
	found := errors.New("found")
	err = scanTopic(ctx, k, topic, func(r *kgo.Record) error {
		rec, err := harnessDecoder.Decode(r.Value)
		if err != nil {
			return nil
		}
		if h := rec.Header; h.ThreadID == thread && h.Sequence == seq {
			partition, offset = r.Partition, r.Offset
			return found
		}
		return nil
	})
	switch {
	case errors.Is(err, found):
		return partition, offset, nil
	case err != nil:
		return 0, 0, fmt.Errorf("offset of %s sequence %d in %s: %w", thread, seq, topic, err)
	}
	return 0, 0, fmt.Errorf("offset of %s sequence %d in %s: %w", thread, seq, topic, ErrNotFound)
}

var harnessDecoder = wiredecode.New()

// scanTopic calls fn with every record of topic, from the start of each partition to the
// end offset it had when the scan began; an error from fn stops the scan and is returned.
func scanTopic(ctx context.Context, k stack.Kafka, topic string, fn func(*kgo.Record) error) error {
	adm, err := k.Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	if err := ends.Error(); err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("list start offsets: %w", err)
	}
	remaining := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if s, ok := starts.Lookup(topic, o.Partition); !ok || s.Offset < o.Offset {
			remaining[o.Partition] = o.Offset
		}
	})
	if len(remaining) == 0 {
		return nil
	}
	cl, err := k.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	for len(remaining) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read %s: %d partitions not read to their end: %w", topic, len(remaining), err)
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) { ferr = errors.Join(ferr, fmt.Errorf("fetch %s/%d: %w", t, p, err)) })
		if ferr != nil {
			return ferr
		}
		for _, r := range fs.Records() {
			if err := fn(r); err != nil {
				return err
			}
			if end, ok := remaining[r.Partition]; ok && r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
		}
	}
	return nil
}
