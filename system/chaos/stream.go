package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/stack"
)

// Stream is a fault that keeps producing corrupt records of one kind at a steady pace
// until it is undone: a share of bad records among valid traffic, as a misbehaving
// producer causes. Create it with CorruptStream.
type Stream struct {
	k      stack.Kafka
	topic  string
	kind   Kind
	every  time.Duration
	thread string
	sent   atomic.Int64
}

// CorruptStream returns a fault that produces one record of kind into topic every interval
// with a plain franz-go client (key "corrupt"), from Inject until Undo, which stops the
// writer and ends the span with the count. thread is the thread id the kinds that embed a
// valid event carry.
func CorruptStream(k stack.Kafka, topic string, kind Kind, every time.Duration, thread string) *Stream {
	return &Stream{k: k, topic: topic, kind: kind, every: every, thread: thread}
}

// Name implements Fault.
func (s *Stream) Name() string { return "corrupt-stream" }

// Needs implements Fault: producing records needs no special capability.
func (s *Stream) Needs() []stack.Capability { return nil }

// Written returns how many corrupt records the broker acknowledged so far.
func (s *Stream) Written() int64 { return s.sent.Load() }

// Inject implements Fault: the writer runs on its own until Undo.
func (s *Stream) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	if s.every <= 0 {
		return nil, fmt.Errorf("inject %s: interval %s: give a positive interval", s.Name(), s.every)
	}
	bad, err := s.kind.Value(nil, 0, s.thread)
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", s.Name(), err)
	}
	detail := fmt.Sprintf("one %s record every %s into %s (a decoder reports %s)", s.kind, s.every, s.topic, s.kind.Reason())
	return inject(ctx, tl, s.Name(), detail, func(context.Context) (injection, error) {
		cl, err := s.k.Client()
		if err != nil {
			return injection{}, err
		}
		wctx, cancel := context.WithCancel(context.Background())
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			failure error
		)
		wg.Go(func() {
			t := time.NewTicker(s.every)
			defer t.Stop()
			for {
				select {
				case <-wctx.Done():
					return
				case <-t.C:
				}
				cl.Produce(wctx, &kgo.Record{Topic: s.topic, Key: []byte("corrupt"), Value: bad}, func(_ *kgo.Record, err error) {
					switch {
					case err == nil:
						s.sent.Add(1)
					case !errors.Is(err, context.Canceled):
						mu.Lock()
						failure = errors.Join(failure, err)
						mu.Unlock()
					}
				})
			}
		})
		stop := func(ctx context.Context) error {
			cancel()
			wg.Wait()
			err := cl.Flush(ctx)
			cl.Close()
			mu.Lock()
			defer mu.Unlock()
			if failure != nil {
				return fmt.Errorf("%d %s records written, some failed: %w", s.sent.Load(), s.kind, failure)
			}
			return err
		}
		note := func() string { return fmt.Sprintf("%d %s records written", s.sent.Load(), s.kind) }
		return injection{steps: []undoStep{stop}, endNote: note}, nil
	}, nil)
}

// Replay returns a fault that reads the record at topic/partition@offset and produces it
// again with a plain franz-go client, key, value and headers byte for byte: the same
// record twice in the topic, as a producer that retries without idempotence leaves it.
// Inject returns once the copy is acknowledged; it stays, so Undo only ends the span.
func Replay(k stack.Kafka, topic string, partition int32, offset int64) Fault {
	return &replay{k: k, topic: topic, partition: partition, offset: offset}
}

type replay struct {
	k         stack.Kafka
	topic     string
	partition int32
	offset    int64
}

func (r *replay) Name() string              { return "replay" }
func (r *replay) Needs() []stack.Capability { return nil }

func (r *replay) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	at := fmt.Sprintf("%s/%d@%d", r.topic, r.partition, r.offset)
	return inject(ctx, tl, r.Name(), "the record at "+at+" produced again by a plain client", func(ctx context.Context) (injection, error) {
		cl, err := r.k.Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
			r.topic: {r.partition: kgo.NewOffset().At(r.offset)}}))
		if err != nil {
			return injection{}, err
		}
		defer cl.Close()
		fctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		fs := cl.PollRecords(fctx, 1)
		if err := fctx.Err(); err != nil || len(fs.Records()) == 0 {
			return injection{}, fmt.Errorf("read the record at %s: %v", at, errors.Join(err, fs.Err0()))
		}
		orig := fs.Records()[0]
		if orig.Offset != r.offset {
			return injection{}, fmt.Errorf("read the record at %s: the first record there is at offset %d (the one asked for was deleted)", at, orig.Offset)
		}
		copied := &kgo.Record{Topic: orig.Topic, Key: orig.Key, Value: orig.Value, Headers: orig.Headers}
		if err := cl.ProduceSync(fctx, copied).FirstErr(); err != nil {
			return injection{}, err
		}
		note := func() string {
			return fmt.Sprintf("the copy of %s stays at %s/%d@%d", at, r.topic, copied.Partition, copied.Offset)
		}
		return injection{endNote: note}, nil
	}, nil)
}
