package bench

import (
	"context"
	"fmt"
	"io"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// ProduceSpec is one producer throughput run.
type ProduceSpec struct {
	// Brokers are the bootstrap addresses; Topic must exist.
	Brokers []string
	Topic   string
	// Records to write, each with a ValueBytes value, keyed by one of Threads thread ids.
	Records, ValueBytes, Threads int
	// Senders is how many goroutines call SendAsync (reference producer only); default 1.
	Senders int
	// CPUProfile, when set, receives a CPU profile of the reference producer's run.
	CPUProfile io.Writer
}

// produceHook sums the value bytes of every record handed to franz-go, and counts the
// produce requests with their bytes and write-to-response times.
type produceHook struct {
	values, requests, reqBytes, reqNanos atomic.Int64
}

var (
	_ kgo.HookProduceRecordBuffered = new(produceHook)
	_ kgo.HookBrokerE2E             = new(produceHook)
)

func (h *produceHook) OnProduceRecordBuffered(r *kgo.Record) { h.values.Add(int64(len(r.Value))) }

func (h *produceHook) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	if key != 0 || e2e.Err() != nil { // 0: Produce
		return
	}
	h.requests.Add(1)
	h.reqBytes.Add(int64(e2e.BytesWritten))
	h.reqNanos.Add(int64(e2e.DurationE2E()))
}

// ProduceReference writes spec.Records DashStream messages with the reference producer
// (idempotent, acks=all, no wire compression, no batch compression) and returns the time
// from creating the producer to the last acknowledgement. Any failed send is an error.
func ProduceReference(ctx context.Context, spec ProduceSpec) (Run, error) {
	senders := max(spec.Senders, 1)
	msgs := make([]*dspb.DashStreamMessage, senders)
	for i := range msgs {
		m, err := Message(spec.ValueBytes, uint64(i)+1)
		if err != nil {
			return Run{}, err
		}
		msgs[i] = m
	}
	threads := make([]string, max(spec.Threads, 1)) // built once: not the producer's cost
	for i := range threads {
		threads[i] = ThreadID(i)
	}
	if spec.CPUProfile != nil {
		if err := pprof.StartCPUProfile(spec.CPUProfile); err != nil {
			return Run{}, fmt.Errorf("produce reference: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	hook := &produceHook{}
	cpu0, start := selfCPU(), time.Now()
	p, err := producer.New(producer.Brokers(spec.Brokers...), producer.Topic(spec.Topic),
		producer.Tenant(BenchTenant), producer.CompressThreshold(-1),
		producer.ClientOpts(kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.WithHooks(hook)))
	if err != nil {
		return Run{}, fmt.Errorf("produce reference: %w", err)
	}
	defer p.Close()
	var (
		acked, failed, finished atomic.Int64
		errMu                   sync.Mutex
		firstErr                error
		done                    = make(chan struct{})
		total                   = int64(spec.Records)
	)
	finish := func(_ producer.Ack, err error) {
		if err != nil {
			errMu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			errMu.Unlock()
			failed.Add(1)
		} else {
			acked.Add(1)
		}
		if finished.Add(1) == total { // exactly one callback sees the last count
			close(done)
		}
	}
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := s; i < spec.Records && ctx.Err() == nil; i += senders {
				p.SendAsync(ctx, threads[i%len(threads)], msgs[s], finish)
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-ctx.Done():
		return Run{}, fmt.Errorf("produce reference: %d of %d acknowledged when the deadline came: %w", acked.Load(), total, ctx.Err())
	}
	elapsed, cpu := time.Since(start), selfCPU()-cpu0
	if n := failed.Load(); n > 0 {
		errMu.Lock()
		defer errMu.Unlock()
		return Run{}, fmt.Errorf("produce reference: %d of %d sends failed, first: %w", n, total, firstErr)
	}
	return Run{Records: spec.Records, Bytes: hook.values.Load(), Elapsed: elapsed,
		Requests: hook.requests.Load(), RequestBytes: hook.reqBytes.Load(), RequestTime: time.Duration(hook.reqNanos.Load()),
		CPU: cpu}, nil
}
