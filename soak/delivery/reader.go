package delivery

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/wire"
)

// liveReader is the reference consumer reading the topic while the nemesis works; it
// records every (thread, sequence) it receives.
type liveReader struct {
	c    *consumer.Consumer
	mu   sync.Mutex
	seen map[key]bool
}

func newLiveReader(brokers []string, topic string, kopts ...kgo.Opt) (*liveReader, error) {
	l := &liveReader{seen: map[key]bool{}}
	c, err := consumer.New(consumer.Brokers(brokers...), consumer.Topics(topic),
		consumer.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))), consumer.ClientOpts(kopts...),
		consumer.OnRecord(func(_ context.Context, r consumer.Record) {
			l.mu.Lock()
			l.seen[key{r.Header.GetThreadId(), r.Header.GetSequence()}] = true
			l.mu.Unlock()
		}))
	if err != nil {
		return nil, fmt.Errorf("live consumer: %w", err)
	}
	l.c = c
	return l, nil
}

func (l *liveReader) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.seen)
}

func (l *liveReader) snapshot() map[key]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[key]bool, len(l.seen))
	for k := range l.seen {
		out[k] = true
	}
	return out
}

// drain reads the topic from the beginning with a fresh client until every partition's
// end offset (listed first) is reached or ctx ends. It returns the records, whether it
// reached every end, and how many records did not decode.
func drain(ctx context.Context, brokers []string, topic string, kopts ...kgo.Opt) ([]LogRec, bool, int64, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, kopts...)...)
	if err != nil {
		return nil, false, 0, fmt.Errorf("drain: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	starts, ends, err := listOffsets(ctx, adm, topic)
	if err != nil {
		return nil, false, 0, err
	}
	todo := map[int32]int64{} // partition → end offset still to reach
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(topic, o.Partition)
		if o.Offset > s.Offset {
			todo[o.Partition] = o.Offset
		}
	})
	dec := wire.NewDecoder()
	var out []LogRec
	var bad int64
	for len(todo) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, false, bad, nil
		}
		fs.EachRecord(func(r *kgo.Record) {
			msg, err := dec.Decode(r.Value)
			if err != nil {
				bad++
			} else {
				h := wire.HeaderOf(msg)
				out = append(out, LogRec{Thread: h.GetThreadId(), Seq: h.GetSequence(), Partition: r.Partition, Offset: r.Offset})
			}
			if end, ok := todo[r.Partition]; ok && r.Offset+1 >= end {
				delete(todo, r.Partition)
			}
		})
	}
	return out, true, bad, nil
}

// listOffsets lists the topic's start and end offsets, polling every 500 ms while a
// partition has no leader yet (right after a restart); the last error when ctx ends.
func listOffsets(ctx context.Context, adm *kadm.Client, topic string) (kadm.ListedOffsets, kadm.ListedOffsets, error) {
	for {
		starts, err := adm.ListStartOffsets(ctx, topic)
		if err == nil {
			err = starts.Error()
		}
		var ends kadm.ListedOffsets
		if err == nil {
			ends, err = adm.ListEndOffsets(ctx, topic)
		}
		if err == nil {
			err = ends.Error()
		}
		if err == nil {
			return starts, ends, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("drain: list offsets of %s: %w", topic, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// waitSeen waits until the live reader has seen at least n messages or limit passes.
func waitSeen(ctx context.Context, l *liveReader, n int, limit time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for l.count() < n {
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}
