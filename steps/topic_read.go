package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
)

// readSettled reads topic from the start with the harness's own client: every record up
// to the end offsets it takes first, then on until at least want records arrived and a
// settle period passed with nothing new, or within passed. Taking the end offsets first
// makes a slow first fetch (a loaded machine) a wait, never an empty topic.
func readSettled(ctx context.Context, w *World, topic string, want int, within time.Duration) ([]*kgo.Record, error) {
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	adm.Close()
	if err == nil {
		err = ends.Error()
	}
	switch {
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		ends = kadm.ListedOffsets{} // not created yet: nothing to reach before the settle period
	case err != nil:
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	cl, err := w.stack.Kafka().Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(consumerFetchMaxWait))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	next := map[int32]int64{} // the offset after the last record read, by partition
	reached := func() bool {
		done := true
		ends.Each(func(o kadm.ListedOffset) { done = done && next[o.Partition] >= o.Offset })
		return done
	}
	var out []*kgo.Record
	last := time.Now()
	for {
		pctx, pcancel := context.WithTimeout(ctx, consumerSettle)
		fs := cl.PollFetches(pctx)
		pcancel()
		if ctx.Err() != nil {
			return out, fmt.Errorf("read %s: %d records, expected at least %d, all up to the end offsets %s, and then nothing new for %s, within %s",
				topic, len(out), want, endsText(ends, topic), consumerSettle, within)
		}
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				w.rec.Mark(evidence.EventNote, "fetch error", fmt.Sprintf("%s/%d: %v", t, p, err))
			}
		})
		if got := fs.Records(); len(got) > 0 {
			for _, r := range got {
				next[r.Partition] = max(next[r.Partition], r.Offset+1)
			}
			out, last = append(out, got...), time.Now()
			continue
		}
		if len(out) >= want && reached() && time.Since(last) >= consumerSettle {
			return out, nil
		}
	}
}

// endsText lists a topic's end offsets by partition ("0:12 1:0 2:40").
func endsText(ends kadm.ListedOffsets, topic string) string {
	var parts []string
	for p, o := range ends[topic] {
		parts = append(parts, fmt.Sprintf("%d:%d", p, o.Offset))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}
