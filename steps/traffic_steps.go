package steps

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
)

func registerTrafficSteps(sc *godog.ScenarioContext) {
	sc.Step(`^1 in (\d+) records on the exporter's topic is a (\S+) record from now on$`, corruptShare)
	sc.Step(`^the corrupt records stop$`, corruptStop)
	sc.Step(`^broker 1's responses are delayed by (\d+) milliseconds$`, responsesDelayed)
	sc.Step(`^the delay ends$`, brokerComesBack)
}

// corruptShare starts a background writer that sends, every 100 ms, n-1 valid events with
// the reference producer, and a chaos.CorruptStream fault that sends one record of the
// corrupt kind every 100 ms with a plain franz-go client: a steady share of bad records,
// as a misbehaving producer causes.
func corruptShare(ctx context.Context, n int, kind string) error {
	w := world(ctx)
	k, err := chaos.ParseKind(kind)
	if err != nil {
		return err
	}
	p, err := w.libraryProducer(ctx)
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	const every = 100 * time.Millisecond
	bad := chaos.CorruptStream(w.stack.Kafka(), w.topic("events"), k, every, w.name("thread"))
	h, err := bad.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var valid atomic.Int64
	st := state[trafficState](w)
	st.stop = sync.OnceValue(func() error {
		cancel()
		<-done
		uctx, stop := context.WithTimeout(context.Background(), time.Minute)
		defer stop()
		err := h.Undo(uctx)
		w.rec.Evidence(evidence.During, evidence.KindNote, "traffic beside the corrupt records", map[string]any{
			"valid_events_sent": valid.Load(), "corrupt_records_written": bad.Written(), "undo_error": errString(err)})
		return err
	})
	w.onCleanup("corrupt share", func(context.Context) error { return st.stop() })
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-tick.C:
			}
			for range n - 1 {
				p.SendAsync(lctx, w.thread, newEvent(), nil)
				valid.Add(1)
			}
		}
	}()
	w.markOnset(time.Now(), 0, fmt.Sprintf("1 in %d records is %s", n, kind))
	return nil
}

// trafficState is the corrupt-share family's state: how to stop its writers.
type trafficState struct {
	stop func() error // stops the valid writer and undoes the corrupt stream, once
}

func corruptStop(ctx context.Context) error {
	w := world(ctx)
	st := state[trafficState](w)
	if st.stop == nil {
		return fmt.Errorf("no corrupt records are being written in this scenario")
	}
	if err := st.stop(); err != nil {
		return fmt.Errorf("the corrupt records did not stop cleanly: %w", err)
	}
	w.markCleared(time.Now(), "the corrupt records stopped")
	return nil
}

// responsesDelayed delays every response of broker 1 to its clients through its proxy.
func responsesDelayed(ctx context.Context, ms int) error {
	w := world(ctx)
	if err := w.need(stack.NetworkFaults); err != nil {
		return err
	}
	h, err := chaos.NetworkLatency(w.stack.Kafka().Brokers()[0], time.Duration(ms)*time.Millisecond, 0).Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	state[outageFamily](w).current = h
	// The alert's condition (p99 above 500 ms) cannot hold before the first delayed
	// response has arrived: its onset is one delay after the injection.
	// The exporter measures the delay only when a fetch response carrying a delayed record
	// reaches it, and a fetch the broker holds open waits up to franz-go's FetchMaxWait
	// (5 s): on real Kafka the first delayed observation came 3.5 s after this onset.
	w.markOnset(time.Now().Add(time.Duration(ms)*time.Millisecond), exporterFetchMaxWait,
		fmt.Sprintf("broker 1's responses delayed by %d ms", ms))
	w.onCleanup("undo latency "+strconv.Itoa(ms)+"ms", h.Undo)
	return nil
}

// exporterFetchMaxWait is franz-go's default FetchMaxWait, which the exporter keeps.
const exporterFetchMaxWait = 5 * time.Second
