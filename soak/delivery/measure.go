package delivery

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/system/kafkalocal"
)

// topic is the topic the run writes; it is created fresh in a fresh cluster.
const topic = "dashstream-delivery"

// clientOpts make the harness's clients find a restarted broker or a new leader fast.
func clientOpts() []kgo.Opt {
	return []kgo.Opt{
		kgo.RetryBackoffFn(func(n int) time.Duration { return min(100*time.Millisecond<<min(n, 4), time.Second) }),
		kgo.MetadataMinAge(250 * time.Millisecond),
		kgo.DialTimeout(3 * time.Second),
	}
}

// measure runs the whole experiment and analyses it.
func measure(ctx context.Context, o options, progress io.Writer) (*Result, error) {
	say := func(f string, a ...any) { fmt.Fprintf(progress, "delivery: "+f+"\n", a...) }
	rf, minISR := min(3, o.brokers), 1
	if o.brokers >= 3 {
		minISR = 2
	}
	r := &Result{Config: Config{
		Started: time.Now().UTC(), DurationS: o.duration.Seconds(), IntervalS: o.interval.Seconds(), DownS: o.down.Seconds(), Brokers: o.brokers,
		Partitions: o.partitions, ReplicationFactor: rf, MinInsyncReplicas: minISR, Writers: o.writers,
		InFlight: o.inFlight, RatePerWriter: o.rate, Victim: o.victim, Seed: o.seed,
	}}
	say("starting %d Kafka broker(s)", o.brokers)
	c, err := kafkalocal.Start(ctx, kafkalocal.Brokers(o.brokers), kafkalocal.Progress(progress),
		kafkalocal.StartTimeout(o.startTimeout))
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	defer c.Close()
	r.Config.KafkaVersion = c.Version()
	brokers := c.Bootstrap()
	admCl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, clientOpts()...)...)
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	if err := createTopic(ctx, adm, int32(o.partitions), int16(rf), minISR); err != nil {
		return nil, err
	}
	p, err := producer.New(producer.Brokers(brokers...), producer.Tenant("delivery"), producer.Topic(topic),
		producer.ClientOpts(clientOpts()...))
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	closeProducer := sync.OnceFunc(p.Close)
	defer closeProducer()
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = p.Ping(pctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	live, err := newLiveReader(brokers, topic, clientOpts()...)
	if err != nil {
		return nil, err
	}
	closeLive := sync.OnceFunc(live.c.Close)
	defer closeLive()
	liveCtx, stopLive := context.WithCancel(ctx)
	defer stopLive()
	liveDone := make(chan struct{})
	go func() { defer close(liveDone); _ = live.c.Run(liveCtx) }()

	h := History{Start: time.Now()}
	w := newWriters(p, o.writers, o.inFlight, o.rate)
	nem := &nemesis{c: c, adm: adm, topic: topic, interval: o.interval, down: o.down, victim: o.victim,
		rnd: rand.New(rand.NewPCG(o.seed, 0x5eed)), restartTimeout: o.startTimeout}
	runCtx, stopRun := context.WithTimeout(ctx, o.duration)
	defer stopRun()
	say("writing for %s, killing a broker every %s", o.duration, o.interval)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.run(runCtx) }()
	go func() { defer wg.Done(); nem.run(runCtx) }()
	wg.Wait()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	say("run over: %d acked, %d pending; flushing (up to %s)", w.ackCount(), w.pending.Load(), o.flush)
	fctx, cancel := context.WithTimeout(ctx, o.flush)
	_ = p.Flush(fctx) // what did not resolve is counted as unresolved by Close
	cancel()
	closeProducer()
	h.End = time.Now()
	h.Acks, h.Errors = w.snapshot()
	h.Attempts, h.Unresolved = w.attempts.Load(), w.unresolved.Load()
	h.Kills = nem.snapshot()

	waitSeen(ctx, live, len(h.Acks), 10*time.Second)
	stopLive()
	<-liveDone
	h.Seen = live.snapshot()
	st := live.c.Stats()
	r.Live = LiveVerdicts{Received: st.Received, Gaps: st.Gaps, Missing: st.Missing, Duplicates: st.Duplicates, Reorders: st.Reorders}
	closeLive()

	if err := ensureRunning(ctx, c); err != nil {
		return nil, err
	}
	say("final drain with a fresh client (up to %s)", o.drainWait)
	dctx, cancel := context.WithTimeout(ctx, o.drainWait)
	h.Log, h.DrainComplete, r.Undecoded, err = drain(dctx, brokers, topic, clientOpts()...)
	cancel()
	if err != nil {
		return nil, err
	}
	r.Analysis, r.Errors, r.KillLog = Analyze(h), h.Errors, h.Kills
	evaluate(r)
	return r, nil
}

// createTopic creates the run's topic with its replication settings.
func createTopic(ctx context.Context, adm *kadm.Client, partitions int32, rf int16, minISR int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	isr := strconv.Itoa(minISR)
	res, err := adm.CreateTopic(ctx, partitions, rf, map[string]*string{"min.insync.replicas": &isr}, topic)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}
