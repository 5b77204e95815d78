package main

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// summary is the final JSON line.
type summary struct {
	Kind              string  `json:"kind"` // always "summary"
	Tenant            string  `json:"tenant"`
	Topic             string  `json:"topic"`
	Threads           int     `json:"threads"`
	MessagesPerThread int     `json:"messages_per_thread"`
	Produced          int64   `json:"produced"`
	Acked             int64   `json:"acked"`
	Failed            int64   `json:"failed"`
	ElapsedSeconds    float64 `json:"elapsed_seconds"`
	RatePerSecond     float64 `json:"rate_per_second"` // acknowledged messages per second
	FirstError        string  `json:"first_error,omitempty"`
}

// counters are updated from the producer's callbacks.
type counters struct {
	produced, acked, failed atomic.Int64
	once                    sync.Once
	first                   string
}

func (c *counters) done(_ producer.Ack, err error) {
	if err == nil {
		c.acked.Add(1)
		return
	}
	c.failed.Add(1)
	c.once.Do(func() { c.first = err.Error() })
}

// produce writes the messages and waits for their acknowledgements. Stopping ctx ends
// the sending; what was sent is still flushed for up to the flush timeout.
func produce(ctx context.Context, cfg config) (summary, error) {
	p, err := newProducer(ctx, cfg)
	if err != nil {
		return summary{}, err
	}
	defer p.Close()

	// Records are produced with deliverCtx, which outlives ctx by the flush timeout so
	// that an interrupt still delivers what is buffered.
	deliverCtx, cancelDeliver := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelDeliver()
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(cfg.flushTimeout, cancelDeliver) })
	defer stopAfter()

	var (
		c     counters
		pace  = newPacer(cfg.rate)
		wg    sync.WaitGroup
		start = time.Now()
	)
	for i := range cfg.threads {
		thread := fmt.Sprintf("%s%04d", cfg.threadPrefix, i)
		wg.Go(func() {
			for n := 0; cfg.messages == 0 || n < cfg.messages; n++ {
				if !pace.wait(ctx) {
					return
				}
				c.produced.Add(1)
				p.SendAsync(deliverCtx, thread, message(cfg, thread, n), c.done)
			}
		})
	}
	wg.Wait()
	flushCtx, cancel := context.WithTimeout(deliverCtx, cfg.flushTimeout)
	defer cancel()
	flushErr := p.Flush(flushCtx)
	elapsed := time.Since(start)

	sum := summary{
		Kind: "summary", Tenant: p.Tenant(), Topic: cfg.topic, Threads: cfg.threads, MessagesPerThread: cfg.messages,
		Produced: c.produced.Load(), Acked: c.acked.Load(), Failed: c.failed.Load(),
		ElapsedSeconds: math.Round(elapsed.Seconds()*1000) / 1000,
	}
	if s := elapsed.Seconds(); s > 0 {
		sum.RatePerSecond = math.Round(float64(sum.Acked)/s*10) / 10
	}
	if sum.Failed > 0 {
		sum.FirstError = c.first
		return sum, fmt.Errorf("%d of %d messages failed; first: %s", sum.Failed, sum.Produced, c.first)
	}
	if flushErr != nil {
		return sum, fmt.Errorf("%d of %d messages unacknowledged after %s: %w", sum.Produced-sum.Acked, sum.Produced, cfg.flushTimeout, flushErr)
	}
	return sum, nil
}

// pacer spaces sends over all threads to a total rate; slot n is due at start + n/rate.
type pacer struct {
	start    time.Time
	interval time.Duration
	next     atomic.Int64
}

func newPacer(rate float64) *pacer {
	p := &pacer{start: time.Now()}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) / rate)
	}
	return p
}

// wait blocks until the caller's slot is due; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if p.interval == 0 {
		return true
	}
	due := p.start.Add(time.Duration(p.next.Add(1)-1) * p.interval)
	d := time.Until(due)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// padding returns n bytes of compressible text.
func padding(n int) string {
	const unit = "dashstream-padding-"
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

// randomBytes returns n random bytes: padding that does not compress.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = crand.Read(b) // crypto/rand.Read never fails
	return b
}

// message builds message n of a thread; the producer fills the header.
func message(cfg config, thread string, n int) *dspb.DashStreamMessage {
	if cfg.kind == "quality" {
		tags := map[string]string{"suite": "load"}
		metrics := map[string]*dspb.MetricValue{
			"score":  {Value: &dspb.MetricValue_FloatValue{FloatValue: 0.5 + 0.5*math.Sin(float64(n)/10)}, Type: dspb.MetricType_METRIC_TYPE_GAUGE},
			"checks": {Value: &dspb.MetricValue_IntValue{IntValue: int64(n + 1)}, Type: dspb.MetricType_METRIC_TYPE_COUNTER},
			"passed": {Value: &dspb.MetricValue_BoolValue{BoolValue: n%10 != 9}},
		}
		switch {
		case cfg.payloadSize > 0 && cfg.padding == "random":
			metrics["padding"] = &dspb.MetricValue{Value: &dspb.MetricValue_BytesValue{BytesValue: randomBytes(cfg.payloadSize)}}
		case cfg.payloadSize > 0:
			tags["padding"] = padding(cfg.payloadSize)
		}
		return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Metrics{Metrics: &dspb.Metrics{
			Scope: "quality", ScopeId: thread, Metrics: metrics, Tags: tags,
		}}}
	}
	ev := &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START,
		NodeId:    fmt.Sprintf("node-%d", (n/2)%10),
		Attributes: map[string]*dspb.AttributeValue{
			"n": {Value: &dspb.AttributeValue_IntValue{IntValue: int64(n)}},
		},
	}
	if n%2 == 1 {
		ev.EventType, ev.DurationUs = dspb.EventType_EVENT_TYPE_NODE_END, int64(1000+n%500)
	}
	switch {
	case cfg.payloadSize > 0 && cfg.padding == "random":
		ev.Attributes["padding"] = &dspb.AttributeValue{Value: &dspb.AttributeValue_BytesValue{BytesValue: randomBytes(cfg.payloadSize)}}
	case cfg.payloadSize > 0:
		ev.Attributes["padding"] = &dspb.AttributeValue{Value: &dspb.AttributeValue_StringValue{StringValue: padding(cfg.payloadSize)}}
	}
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: ev}}
}
