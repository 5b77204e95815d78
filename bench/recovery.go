package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
)

// RecoverySpec configures MeasureRecovery.
type RecoverySpec struct {
	// Reps is how many times the broker is killed (default 10); Outage how long it stays
	// down each time (default 2 s); Interval the producer's send interval (default 10 ms,
	// which is also the resolution of the figures).
	Reps             int
	Outage, Interval time.Duration
	// Timeout bounds each wait (health before, recovery after); default 60 s.
	Timeout time.Duration
	// Log receives a line per repetition; nil discards.
	Log io.Writer
}

func (s *RecoverySpec) defaults() {
	if s.Reps <= 0 {
		s.Reps = 10
	}
	if s.Outage <= 0 {
		s.Outage = 2 * time.Second
	}
	if s.Interval <= 0 {
		s.Interval = 10 * time.Millisecond
	}
	if s.Timeout <= 0 {
		s.Timeout = time.Minute
	}
	if s.Log == nil {
		s.Log = io.Discard
	}
}

// MeasureRecovery measures how fast the reference producer and consumer resume after the
// first broker of k is killed (SIGKILL) and started again. A producer sends one message
// every Interval and a consumer reads the topic throughout; Reps times it checks both
// are flowing, kills the broker with chaos.BrokerKill (each fault written to Log as it
// begins and ends), holds the outage, undoes the fault (Undo returns once the broker
// answers: the restart is complete), and measures from then to the first
// acknowledgement and to the first record the consumer polled. Sends that fail are
// counted in the figure recovery.send_failures.
func MeasureRecovery(ctx context.Context, k stack.Kafka, spec RecoverySpec) ([]Figure, error) {
	spec.defaults()
	adm, err := k.Admin()
	if err != nil {
		return nil, fmt.Errorf("recovery: %w", err)
	}
	defer adm.Close()
	topic := fmt.Sprintf("bench-recovery-%d", time.Now().UnixNano())
	// Created explicitly: kfake keeps auto-created topics only across a graceful stop.
	cctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	err = CreateTopic(cctx, adm, topic, 1)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("recovery: %w", err)
	}
	var acks, records Timeline
	var failed atomic.Int64
	p, err := producer.New(producer.Brokers(k.Bootstrap()...), producer.Topic(topic), producer.Tenant(BenchTenant))
	if err != nil {
		return nil, fmt.Errorf("recovery: %w", err)
	}
	defer p.Close()
	c, err := consumer.New(consumer.Brokers(k.Bootstrap()...), consumer.Topics(topic),
		consumer.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		consumer.OnRecord(func(_ context.Context, r consumer.Record) { records.Add(r.ReceivedAt) }))
	if err != nil {
		return nil, fmt.Errorf("recovery: %w", err)
	}
	defer c.Close()
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = c.Run(lctx) }()
	msg, err := Message(256, 7)
	if err != nil {
		return nil, fmt.Errorf("recovery: %w", err)
	}
	go func() {
		t := time.NewTicker(spec.Interval)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
				p.SendAsync(lctx, "recovery", msg, func(_ producer.Ack, err error) {
					if err != nil {
						if lctx.Err() == nil {
							failed.Add(1)
						}
						return
					}
					acks.Add(time.Now())
				})
			}
		}
	}()
	broker := k.Brokers()[0]
	faults := &chaos.Journal{W: spec.Log}
	var toAck, toRecord []float64
	for rep := range spec.Reps {
		a, r, err := recoverOnce(ctx, broker, faults, &acks, &records, spec)
		if err != nil {
			return nil, fmt.Errorf("recovery: repetition %d: %w", rep+1, err)
		}
		toAck, toRecord = append(toAck, a.Seconds()), append(toRecord, r.Seconds())
		fmt.Fprintf(spec.Log, "recovery %d: first ack %.4f s, first record %.4f s after %s answered again\n",
			rep+1, a.Seconds(), r.Seconds(), broker.Name())
	}
	return []Figure{
		NewFigure(FigRecoveryAck, "s", "broker restarted (kill -9) → first acknowledged produce", toAck...),
		NewFigure(FigRecoveryRecord, "s", "broker restarted (kill -9) → first consumed record", toRecord...),
		NewFigure(FigRecoveryFailures, "sends", "sends that failed over all repetitions", float64(failed.Load())),
	}, nil
}

// FigRecoveryFailures counts the recovery producer's failed sends.
const FigRecoveryFailures = "recovery.send_failures"

// recoverOnce kills the broker (a chaos fault on tl), holds the outage, undoes the fault
// (the broker is started and answers a metadata request), and returns the time from then
// to the first acknowledgement and the first consumed record after it.
func recoverOnce(ctx context.Context, b stack.Broker, tl chaos.Timeline, acks, records *Timeline, spec RecoverySpec) (toAck, toRecord time.Duration, err error) {
	healthy := time.Now()
	if err := Eventually(ctx, "acknowledgements and consumed records before the kill", spec.Timeout, func(context.Context) (bool, string, error) {
		_, a := acks.FirstAfter(healthy)
		_, r := records.FirstAfter(healthy)
		return a && r, fmt.Sprintf("ack after %s: %v, record: %v", healthy.Format(time.StampMilli), a, r), nil
	}); err != nil {
		return 0, 0, err
	}
	h, err := chaos.BrokerKill(b, chaos.Recovery(spec.Timeout)).Inject(ctx, tl)
	if err != nil {
		return 0, 0, err
	}
	select { // the outage lasts this long on purpose
	case <-time.After(spec.Outage):
	case <-ctx.Done():
		return 0, 0, errors.Join(ctx.Err(), h.Undo(context.WithoutCancel(ctx)))
	}
	if err := h.Undo(ctx); err != nil {
		return 0, 0, err
	}
	back := time.Now()
	var firstAck, firstRecord time.Time
	err = Eventually(ctx, "the first acknowledgement and consumed record after the restart", spec.Timeout, func(context.Context) (bool, string, error) {
		var a, r bool
		firstAck, a = acks.FirstAfter(back)
		firstRecord, r = records.FirstAfter(back)
		return a && r, fmt.Sprintf("ack: %v, record: %v", a, r), nil
	})
	if err != nil {
		return 0, 0, err
	}
	return firstAck.Sub(back), firstRecord.Sub(back), nil
}
