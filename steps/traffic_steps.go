package steps

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kgo"

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
// the reference producer and one record of the corrupt kind with a plain franz-go client:
// a steady share of bad records, as a misbehaving producer causes.
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
	cl, err := w.stack.Kafka().Client()
	if err != nil {
		return err
	}
	bad, err := k.Value(nil, 0, w.name("thread"))
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	lctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var sent, corrupt atomic.Int64
	span := w.rec.FaultStart("corrupt-share", fmt.Sprintf("1 in %d records is %s (a decoder reports %s)", n, kind, k.Reason()))
	w.stopTraffic = func() {
		cancel()
		<-done
		cl.Close()
		w.rec.FaultEnd(span, fmt.Sprintf("%d records written, %d of them %s", sent.Load(), corrupt.Load(), kind))
	}
	w.onCleanup("corrupt share", func(context.Context) error { w.stopTraffic(); return nil })
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-tick.C:
			}
			for range n - 1 {
				p.SendAsync(lctx, w.thread, newEvent(), nil)
				sent.Add(1)
			}
			cl.Produce(lctx, &kgo.Record{Topic: w.topic("events"), Key: []byte("corrupt"), Value: bad}, nil)
			sent.Add(1)
			corrupt.Add(1)
		}
	}()
	w.onset = time.Now()
	return nil
}

func corruptStop(ctx context.Context) error {
	w := world(ctx)
	if w.stopTraffic == nil {
		return fmt.Errorf("no corrupt records are being written in this scenario")
	}
	w.stopTraffic()
	w.stopTraffic = func() {}
	w.cleared = time.Now()
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
	w.outage = h
	// The alert's condition (p99 above 500 ms) cannot hold before the first delayed
	// response has arrived: its onset is one delay after the injection.
	w.onset = time.Now().Add(time.Duration(ms) * time.Millisecond)
	// The exporter measures the delay only when a fetch response carrying a delayed record
	// reaches it, and a fetch the broker holds open waits up to franz-go's FetchMaxWait
	// (5 s): on real Kafka the first delayed observation came 3.5 s after this onset.
	w.onsetSlack = exporterFetchMaxWait
	w.onCleanup("undo latency "+strconv.Itoa(ms)+"ms", h.Undo)
	return nil
}

// exporterFetchMaxWait is franz-go's default FetchMaxWait, which the exporter keeps.
const exporterFetchMaxWait = 5 * time.Second
