package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/dashstream/acceptance/reference/consumer"
)

// ConsumeReference reads topic from the start with the reference consumer (no group:
// wire decode, sequence validation, metrics on a private registry) until it has handled
// records messages, and returns the time from creating the consumer to the last one.
// The topic must hold exactly the reference producer's messages: a decode failure or a
// sequence anomaly is an error, so the figure is never that of a consumer skipping work.
// When cpuProfile is not nil it receives a CPU profile of the run.
func ConsumeReference(ctx context.Context, brokers []string, topic string, records int, cpuProfile io.Writer) (Run, error) {
	if cpuProfile != nil {
		if err := pprof.StartCPUProfile(cpuProfile); err != nil {
			return Run{}, fmt.Errorf("consume reference: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var n atomic.Int64
	done := make(chan struct{})
	want := int64(records)
	cpu0, start := selfCPU(), time.Now()
	c, err := consumer.New(consumer.Brokers(brokers...), consumer.Topics(topic),
		consumer.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		consumer.OnRecord(func(context.Context, consumer.Record) {
			if n.Add(1) == want {
				close(done)
			}
		}))
	if err != nil {
		return Run{}, fmt.Errorf("consume reference: %w", err)
	}
	defer c.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(runCtx) }()
	select {
	case <-done:
	case err := <-runErr:
		return Run{}, fmt.Errorf("consume reference: run ended after %d of %d records: %v", n.Load(), want, err)
	case <-ctx.Done():
		return Run{}, fmt.Errorf("consume reference: %d of %d records when the deadline came: %w", n.Load(), want, ctx.Err())
	}
	elapsed, cpu := time.Since(start), selfCPU()-cpu0
	cancel()
	<-runErr
	st := c.Stats()
	var failures uint64
	for _, v := range st.DecodeFailures {
		failures += v
	}
	if st.Received != uint64(records) || failures > 0 || st.Gaps+st.Duplicates+st.Reorders > 0 {
		return Run{}, fmt.Errorf("consume reference: received %d of %d, %d decode failures, %d gaps, %d duplicates, %d reorders: the topic must hold one reference producer's run",
			st.Received, records, failures, st.Gaps, st.Duplicates, st.Reorders)
	}
	return Run{Records: records, Elapsed: elapsed, CPU: cpu}, nil
}
