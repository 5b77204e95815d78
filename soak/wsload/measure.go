package wsload

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dashstream/acceptance/system/kfakeproc"
	"github.com/dashstream/acceptance/system/proc"
)

// measure runs the whole load: broker, server, producers, clients, window, drain.
func measure(ctx context.Context, o options, progress io.Writer) (*Result, error) {
	say := func(f string, a ...any) { fmt.Fprintf(progress, "wsload: "+f+"\n", a...) }
	r := &Result{Config: Config{
		Started: time.Now().UTC(), DurationS: o.duration.Seconds(), WarmupS: o.warmup.Seconds(), Clients: o.clients, SlowClients: o.slow,
		Tenants: o.tenants, RatePerTenant: o.rate, ThreadsPerTenant: o.threads,
		DisconnectAfterDrops: o.disconnectAfterDrops, QueueSize: o.queueSize, Broker: "kfake (system/kfakeproc child process)",
	}}
	say("starting kfake broker")
	broker, err := kfakeproc.Start(ctx, kfakeproc.Partitions(3))
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	defer broker.Close()
	brokers := []string{broker.Addr()}
	if err := createTopics(ctx, brokers, 3); err != nil {
		return nil, err
	}
	say("starting dashstream-wsserver")
	srv, err := startServer(ctx, brokers, "-queue-size", strconv.Itoa(o.queueSize),
		"-disconnect-after-drops", strconv.Itoa(o.disconnectAfterDrops),
		"-max-connections", strconv.Itoa(o.clients+64)) // the load's clients, plus the harness's /health polls
	if err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = srv.p.Stop(sctx)
	}()
	if err := srv.waitFor(ctx, "kafka connected", 30*time.Second, func(h health) bool { return h.KafkaStatus == "connected" }); err != nil {
		return nil, err
	}
	idle, err := proc.ReadMem(srv.p.PID())
	if err != nil {
		return nil, err
	}
	r.Server.RSSIdle = idle.RSS

	tenants := make([]string, o.tenants)
	loads := make([]*tenantLoad, o.tenants)
	for i := range tenants {
		tenants[i] = "tenant-" + strconv.Itoa(i+1)
		if loads[i], err = newTenantLoad(brokers, topics[0], tenants[i], o.threads); err != nil {
			return nil, err
		}
		defer loads[i].p.Close()
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := loads[i].p.Ping(pctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("producer %s: %w", tenants[i], err)
		}
	}

	say("connecting %d clients", o.clients)
	clients := makeClients(o.clients, o.slow, tenants)
	if err := dialAll(ctx, srv.base, clients, 32); err != nil {
		for _, c := range clients {
			if c.conn != nil {
				c.conn.CloseNow()
			}
		}
		return nil, fmt.Errorf("connect clients: %w", err)
	}
	if err := srv.waitFor(ctx, fmt.Sprintf("%d connected clients", o.clients), 30*time.Second,
		func(h health) bool { return h.Metrics.ConnectedClients == o.clients }); err != nil {
		return nil, err
	}
	conn, err := proc.ReadMem(srv.p.PID())
	if err != nil {
		return nil, err
	}
	r.Server.RSSConnected = conn.RSS

	// The window opens: readers, memory sampler and producers start together.
	start := time.Now()
	readCtx, stopReaders := context.WithCancel(ctx)
	defer stopReaders()
	var readers sync.WaitGroup
	for _, c := range clients {
		c.tr.start = start
		readers.Add(1)
		go func() { defer readers.Done(); c.read(readCtx) }()
	}
	smp := &sampler{pid: srv.p.PID(), start: start}
	sampCtx, stopSampler := context.WithCancel(ctx)
	sampDone := make(chan struct{})
	go func() { defer close(sampDone); smp.run(sampCtx, 500*time.Millisecond) }()
	defer stopSampler()
	say("window open: producing %.0f msg/s per tenant for %s", o.rate, o.duration)
	loadCtx, stopLoad := context.WithTimeout(ctx, o.duration)
	var producers sync.WaitGroup
	for _, l := range loads {
		producers.Add(1)
		go func() { defer producers.Done(); l.run(loadCtx, o.rate) }()
	}
	producers.Wait()
	stopLoad()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	window := time.Since(start)
	for _, l := range loads {
		fctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := l.p.Flush(fctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("producer %s: %w", l.tenant, err)
		}
	}
	acked := map[string]map[string][]uint64{}
	r.Produced.PerTenant = map[string]int64{}
	for _, l := range loads {
		a, n := l.snapshot()
		acked[l.tenant] = a
		r.Produced.PerTenant[l.tenant] = n
		r.Produced.Acked += n
		r.Produced.Sent += l.sent.Load()
		r.Produced.Errors += l.errors.Load()
		r.Produced.Skipped += l.skipped.Load()
	}
	r.Produced.RatePerS = float64(r.Produced.Acked) / window.Seconds()
	say("window closed after %.1f s: %d acked; draining (up to %s)", window.Seconds(), r.Produced.Acked, o.drain)
	r.Delivery.DrainS = drain(ctx, clients, r.Produced.PerTenant, o.drain).Seconds()

	r.Server.Alive = srv.p.Running()
	metrics, err := srv.scrape(ctx, "dashstream_ws_")
	if err != nil && r.Server.Alive {
		return nil, err
	}
	if !r.Server.Alive { // a crash under load is a finding, not a failed setup
		r.Server.Exit = srv.p.Describe(30)
	}
	queues, err := readSockQueues()
	if err != nil {
		say("no socket queues: %v", err)
	}
	stopSampler()
	<-sampDone
	stopReaders()
	readers.Wait()
	samples, hwm, serr := smp.snapshot()
	if serr != nil && len(samples) == 0 {
		return nil, serr
	}
	fill(r, clients, acked, window, start)
	for i, sc := range r.Slow {
		c := clients[sc.ID]
		r.Slow[i].ServerSendQ = queues[fmt.Sprintf("%d>%d", srv.port, c.port)].TX
		r.Slow[i].ClientRecvQ = queues[fmt.Sprintf("%d>%d", c.port, srv.port)].RX
	}
	fillServer(r, samples, hwm, metrics, window.Seconds())
	evaluate(r)
	return r, nil
}

// drain waits until every fast client has as many frames as its tenant had acks, or
// limit passes; it returns how long it waited.
func drain(ctx context.Context, clients []*wsClient, acked map[string]int64, limit time.Duration) time.Duration {
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		done := true
		for _, c := range clients {
			if c.mode == modeFast && !c.ended.Load() && c.tr.frames.Load() < acked[c.tenant] {
				done = false
				break
			}
		}
		if done {
			return time.Since(t0)
		}
		select {
		case <-ctx.Done():
			return time.Since(t0)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// fill computes the client-side figures (after the readers ended).
func fill(r *Result, clients []*wsClient, acked map[string]map[string][]uint64, window time.Duration, start time.Time) {
	d := &r.Delivery
	var lags []lagSample
	for _, c := range clients {
		t := c.tr
		n := t.frames.Load()
		d.FramesTotal += n
		d.CrossTenant += t.crossTenant
		d.Malformed += t.malformed
		if c.mode == modeFast {
			d.FastClients++
			d.FastMissing += t.missing(acked[c.tenant])
			d.FastDuplicates += t.duplicates
			if c.endErr != nil {
				d.FastEndedEarly++
			}
			lags = append(lags, t.lags...)
			continue
		}
		sc := SlowClient{ID: c.id, Tenant: c.tenant, Mode: c.mode, Frames: n, NotGot: t.missing(acked[c.tenant]),
			Duplicate: t.duplicates, LastLagMs: t.lastLagMs, EndState: "connected until the end"}
		if c.endErr != nil {
			sc.EndedAtS, sc.EndState = c.endedAt.Sub(start).Seconds(), c.endState
		}
		r.Slow = append(r.Slow, sc)
	}
	d.FramesPerS = float64(d.FramesTotal) / window.Seconds()
	if d.FastClients > 0 {
		var fast int64
		for _, c := range clients {
			if c.mode == modeFast {
				fast += c.tr.frames.Load()
			}
		}
		d.FastFramesPerClientS = float64(fast) / float64(d.FastClients) / window.Seconds()
	}
	r.Lag = lagFigures(lags, window.Seconds(), max(5, window.Seconds()/6))
}

// fillServer records the server's memory and metrics and applies the memory bound.
func fillServer(r *Result, samples []MemSample, hwm int64, metrics map[string]float64, window float64) {
	s := &r.Server
	s.VmHWM, s.RSSSamples, s.Metrics = hwm, samples, map[string]float64{}
	for _, m := range samples {
		s.RSSPeak = max(s.RSSPeak, m.RSS)
	}
	if len(samples) > 0 {
		s.RSSEnd = samples[len(samples)-1].RSS
	}
	for k, v := range metrics {
		if !strings.Contains(k, "_bucket{") {
			s.Metrics[k] = v
		}
	}
	r.Memory = checkMemory(samples, r.Config.WarmupS, window)
}
