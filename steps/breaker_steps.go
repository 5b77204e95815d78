package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/netfault"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

func registerBreakerSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server's topic exists and broker (\d+) is down with a (\S+)$`, topicThenBrokerDown)
	sc.Step(`^the WebSocket server starts with a breaker that opens after (\d+) failures, half-opens after (\d+) seconds and closes after (\d+) probes, one every ([\d.]+) seconds$`, wsServerWithBreaker)
	sc.Step(`^the breaker opens within (\d+) seconds, exactly when the broker's proxy has seen (\d+) failed connections from the server$`, breakerOpensAtThreshold)
	sc.Step(`^the breaker stays open for its open period with no connection from the server reaching the proxy$`, breakerStaysOpen)
	sc.Step(`^the breaker closes through half-open within (\d+) seconds, only after (\d+) answered probes at the proxy$`, breakerClosesAfterProbes)
}

// breakerFamily is the breaker steps' scenario state: the server's settings, the /health
// timeline and the broker's proxy, which counts what the server really sent.
type breakerFamily struct {
	cfg     breakerConfig
	watch   *healthWatch
	proxy   *netfault.Proxy
	opened  time.Time // when the breaker opened: the close of the failed connection that opened it
	seen    time.Time // the first /health sample that showed it open (the server learns of a failure after the proxy closed it)
	started time.Time // when the server was started
	// client is the Kafka client id by which the proxy tells the server's requests.
	client string
}

// breakerConfig is what the scenario configured the server's breaker with.
type breakerConfig struct {
	threshold, closeAfter int
	openFor, probeEvery   time.Duration
}

func topicThenBrokerDown(ctx context.Context, i int, outage string) error {
	w := world(ctx)
	if err := w.need(stack.RunServices, stack.KillBroker); err != nil {
		return err
	}
	if _, err := w.ensureTopic(ctx, "events"); err != nil {
		return err
	}
	return brokerGoesDown(ctx, i, outage)
}

func wsServerWithBreaker(ctx context.Context, threshold, openFor, closeAfter int, probeEvery string) error {
	if err := world(ctx).need(stack.HostServices); err != nil {
		return err
	}
	w := world(ctx)
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	every, err := strconv.ParseFloat(probeEvery, 64)
	if err != nil {
		return fmt.Errorf("probe interval %q: %w", probeEvery, err)
	}
	if err := w.needSUT(sut.WSServer, "kafka-breaker"); err != nil {
		return err
	}
	st := state[breakerFamily](w)
	st.cfg = breakerConfig{threshold: threshold, closeAfter: closeAfter, openFor: time.Duration(openFor) * time.Second,
		probeEvery: time.Duration(every * float64(time.Second))}
	if st.proxy = w.stack.Kafka().Brokers()[0].Proxy(); st.proxy == nil {
		return w.need(stack.NetworkFaults) // the proxy is what counts the server's attempts
	}
	if st.client, err = w.kafkaClientID(sut.WSServer); err != nil {
		return err
	}
	topic := w.topic("events") // created before the broker went down
	st.started = time.Now()
	svc, err := w.start(ctx, launch{role: sut.WSServer, name: "wsserver", listen: true,
		env: map[string]string{"KAFKA_TOPICS": topic, "HEALTH_WINDOW": "5s", "CB_FAILURE_THRESHOLD": strconv.Itoa(threshold),
			"CB_OPEN_FOR": strconv.Itoa(openFor) + "s", "CB_CLOSE_AFTER": strconv.Itoa(closeAfter), "CB_PROBE_INTERVAL": st.cfg.probeEvery.String(),
			// Retries 100-500 ms apart (equal jitter) reach the threshold in seconds, and
			// keep each attempt at least 100 ms after the one before (see inFlight).
			"KAFKA_BACKOFF_MIN": "200ms", "KAFKA_BACKOFF_MAX": "500ms", "KAFKA_METADATA_MIN_AGE": "200ms"}})
	if err != nil {
		return err
	}
	st.watch = watchHealth(w, svc.Addr())
	return w.eventually(ctx, "the WebSocket server to answer /health", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		s := st.watch.last()
		return !s.At.IsZero(), s.String(), nil
	})
}

// serverConns returns the connections the WebSocket server (by its Kafka client_id) made
// through the proxy since the scenario started it.
func (st *breakerFamily) serverConns() []netfault.Conn {
	var out []netfault.Conn
	for _, c := range st.proxy.Conns() {
		if c.ClientID == st.client && !c.Accepted.Before(st.started) {
			out = append(out, c)
		}
	}
	return out
}

func breakerOpensAtThreshold(ctx context.Context, seconds, threshold int) error {
	w := world(ctx)
	st := state[breakerFamily](w)
	var first healthSample
	if err := st.watch.problem(); err != nil {
		return err
	}
	err := w.eventually(ctx, "the breaker to open", time.Duration(seconds)*time.Second, func(context.Context) (bool, string, error) {
		if s, ok := st.watch.first(func(s healthSample) bool { return s.Breaker == "open" }); ok {
			first = s
			return true, "open at " + s.At.UTC().Format("15:04:05.000"), nil
		}
		return false, st.watch.transitions(), nil
	})
	if err != nil {
		return err
	}
	// The server learns of a failure when the proxy closes the connection, never before:
	// when /health shows open at first.At, the proxy has closed at least the threshold's
	// worth of failed connections before it.
	conns := st.serverConns()
	var failed []netfault.Conn
	for _, c := range conns {
		if c.Failed() {
			failed = append(failed, c)
		} else if c.Responses > 0 && c.Accepted.Before(first.At) {
			return fmt.Errorf("connection %d of the server before the breaker opened was answered (%d responses): the broker was not down", c.ID, c.Responses)
		}
	}
	slices.SortFunc(failed, func(a, b netfault.Conn) int { return a.Closed.Compare(b.Closed) })
	before := 0
	for _, c := range failed {
		if c.Closed.Before(first.At) {
			before++
		}
	}
	w.rec.Evidence(evidence.During, evidence.KindMetric, "failed connections seen at the broker's proxy before the breaker was seen open",
		map[string]any{"failed_connections": before, "threshold": threshold, "opened_seen_at": first.At})
	if before < threshold {
		unnamed := 0
		for _, c := range st.proxy.Conns() {
			if c.ClientID == "" && c.Failed() && c.Accepted.After(st.started) {
				unnamed++
			}
		}
		return fmt.Errorf("the breaker was open at %s after %d failed connections seen at the broker's proxy, below its threshold of %d (%d failed connections sent no request; timeline: %s)",
			first.At.UTC().Format("15:04:05.000"), before, threshold, unnamed, st.watch.transitions())
	}
	st.opened, st.seen = failed[threshold-1].Closed, first.At
	// A breaker that opens at its threshold lets nothing through after that failure.
	for _, c := range conns {
		if c.Accepted.After(st.opened.Add(inFlight)) && c.Accepted.Before(first.At) {
			return fmt.Errorf("the breaker did not open at its threshold of %d: connection %d reached the broker's proxy %.2f s after failure %d",
				threshold, c.ID, c.Accepted.Sub(st.opened).Seconds(), threshold)
		}
	}
	return nil
}

// inFlight is how long after the failure that opens the breaker another connection of
// the server may still reach the proxy: a dial already under way when it opened.
// Retries are at least 100 ms apart in this scenario, so a dial 50 ms after that
// failure was not started because of it.
const inFlight = 50 * time.Millisecond

func breakerStaysOpen(ctx context.Context) error {
	w := world(ctx)
	st := state[breakerFamily](w)
	if st.opened.IsZero() {
		return fmt.Errorf("the breaker was not seen opening in this scenario")
	}
	until := st.opened.Add(st.cfg.openFor)
	if d := time.Until(until); d > 0 {
		select { // the assertion is about this period: it has to pass before it can be judged
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	for _, c := range st.serverConns() {
		if c.Accepted.After(st.opened.Add(inFlight)) && c.Accepted.Before(until) {
			return fmt.Errorf("connection %d of the server reached the broker's proxy %.2f s after the breaker opened, within its open period of %s",
				c.ID, c.Accepted.Sub(st.opened).Seconds(), st.cfg.openFor)
		}
	}
	if s, ok := st.watch.first(func(s healthSample) bool {
		return s.At.After(st.seen) && s.At.Before(until.Add(-pollSlack)) && s.Breaker != "open"
	}); ok {
		return fmt.Errorf("the breaker was %s %.2f s after it opened, within its open period of %s", s.Breaker, s.At.Sub(st.opened).Seconds(), st.cfg.openFor)
	}
	return nil
}

// pollSlack is how far a /health sample may lag the state it shows.
const pollSlack = 200 * time.Millisecond

func breakerClosesAfterProbes(ctx context.Context, seconds, probes int) error {
	w := world(ctx)
	st := state[breakerFamily](w)
	var closed healthSample
	if err := st.watch.problem(); err != nil {
		return err
	}
	err := w.eventually(ctx, "the breaker to close", time.Duration(seconds)*time.Second, func(context.Context) (bool, string, error) {
		s, ok := st.watch.first(func(s healthSample) bool { return s.At.After(st.seen) && s.Breaker == "closed" })
		closed = s
		return ok, st.watch.transitions(), nil
	})
	if err != nil {
		return err
	}
	halfOpen := st.opened.Add(st.cfg.openFor)
	var answered []time.Time
	for _, r := range st.proxy.Requests() {
		if r.ClientID == st.client && r.NoTopics && !r.Answered.IsZero() && r.At.After(halfOpen.Add(-pollSlack)) && r.Answered.Before(closed.At) {
			answered = append(answered, r.Answered)
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHealth, "breaker timeline", map[string]any{
		"transitions": st.watch.transitions(), "answered_probes_at_proxy": len(answered),
		"half_open_to_closed_seconds": closed.At.Sub(halfOpen).Seconds()})
	path := st.watch.path(st.seen, closed.At)
	if !strings.Contains(path, "open → half_open") || !strings.HasSuffix(path, "half_open → closed") {
		return fmt.Errorf("the breaker went %s: expected open → half_open → closed", path)
	}
	if len(answered) < probes {
		return fmt.Errorf("the breaker closed after %d answered probes (broker-only metadata requests) seen at the broker's proxy, expected at least %d", len(answered), probes)
	}
	if min := time.Duration(probes-1) * st.cfg.probeEvery; closed.At.Sub(halfOpen) < min {
		return fmt.Errorf("the breaker closed %.2f s after half-opening: %d probes paced %s apart take at least %s",
			closed.At.Sub(halfOpen).Seconds(), probes, st.cfg.probeEvery, min)
	}
	return nil
}
