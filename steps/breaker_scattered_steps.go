package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

func registerScatteredSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server runs with a breaker that opens after (\d+) failures, its /health watched$`, wsServerWatched)
	sc.Step(`^the network to the broker is cut (\d+) times, for (\d+) ms each, (\d+) seconds apart$`, cutBursts)
	sc.Step(`^the broker's proxy saw more failed connections from the server than the threshold, in bursts with answered requests between them, and the breaker never left closed$`, scatteredNeverOpens)
	sc.Step(`^/health was degraded or worse from the first failed connection on, and reconnecting once the proxy had seen (\d+) in its window$`, healthFollowsErrors)
}

// burst is one window during which the network to the broker was cut.
type burst struct{ from, to time.Time }

// wsScatteredFamily is the scattered-errors steps' scenario state.
type wsScatteredFamily struct {
	bursts []burst
}

func wsServerWatched(ctx context.Context, threshold int) error {
	if err := world(ctx).need(stack.HostServices); err != nil {
		return err
	}
	w := world(ctx)
	if err := w.need(stack.RunServices, stack.NetworkFaults); err != nil {
		return err
	}
	if err := w.needSUT(sut.WSServer, "kafka-breaker"); err != nil {
		return err
	}
	st := state[breakerFamily](w)
	st.cfg.threshold = threshold
	if st.proxy = w.stack.Kafka().Brokers()[0].Proxy(); st.proxy == nil {
		return w.need(stack.NetworkFaults)
	}
	var err error
	if st.client, err = w.kafkaClientID(sut.WSServer); err != nil {
		return err
	}
	st.started = time.Now()
	err = w.startWSServer(ctx, map[string]string{"CB_FAILURE_THRESHOLD": strconv.Itoa(threshold), "HEALTH_STALE_AFTER": "0s",
		"KAFKA_BACKOFF_MIN": "200ms", "KAFKA_BACKOFF_MAX": "500ms", "KAFKA_METADATA_MIN_AGE": "200ms"})
	if err != nil {
		return err
	}
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	st.watch = watchHealth(w, ws.Addr())
	return nil
}

// cutBursts cuts the broker's proxy briefly, again and again: every connection the
// server has is closed at the proxy (seen there), and dials during the cut are refused.
func cutBursts(ctx context.Context, times, ms, apart int) error {
	w := world(ctx)
	sc := state[wsScatteredFamily](w)
	for i := range times {
		fault, err := w.brokerFault(1, "network-cut")
		if err != nil {
			return err
		}
		b := burst{from: time.Now()} // the cut closes connections before Inject returns
		h, err := fault.Inject(ctx, w.rec)
		if err != nil {
			return err
		}
		w.onCleanup("undo "+fault.Name(), h.Undo)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(ms) * time.Millisecond):
		}
		if err := h.Undo(ctx); err != nil {
			return err
		}
		b.to = time.Now()
		sc.bursts = append(sc.bursts, b)
		if i < times-1 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(apart) * time.Second):
			}
		}
	}
	return nil
}

// scatteredNeverOpens checks that the failures really happened (at the proxy: the
// server's connections that ended within a burst), that successes came between the
// bursts (answered requests), and that the breaker stayed closed throughout.
func scatteredNeverOpens(ctx context.Context) error {
	w := world(ctx)
	st := state[breakerFamily](w)
	sc := state[wsScatteredFamily](w)
	if err := st.watch.problem(); err != nil {
		return err
	}
	failed, per := 0, make([]int, len(sc.bursts))
	for _, c := range st.serverConns() {
		for i, b := range sc.bursts {
			if !c.Closed.IsZero() && !c.Closed.Before(b.from) && c.Closed.Before(b.to.Add(inFlight)) {
				failed++
				per[i]++
			}
		}
	}
	answered := make([]int, len(sc.bursts)) // after each burst, before the next
	if len(sc.bursts) < 2 {
		return fmt.Errorf("%d bursts of errors: scattered errors need at least 2", len(sc.bursts))
	}
	for _, r := range st.proxy.Requests() {
		for i, b := range sc.bursts {
			next := time.Now()
			if i+1 < len(sc.bursts) {
				next = sc.bursts[i+1].from
			}
			if r.ClientID == st.client && !r.Answered.IsZero() && r.At.After(b.to) && r.Answered.Before(next) {
				answered[i]++
			}
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "scattered errors at the broker's proxy", map[string]any{
		"failed_connections_per_burst": per, "answered_requests_after_each_burst": answered, "threshold": st.cfg.threshold})
	if s, ok := st.watch.first(func(s healthSample) bool { return s.Breaker != "closed" }); ok {
		return fmt.Errorf("the breaker was %s at %s after scattered errors (%v failed connections per burst, threshold %d in a row)",
			s.Breaker, s.At.UTC().Format("15:04:05.000"), per, st.cfg.threshold)
	}
	if failed <= st.cfg.threshold {
		return fmt.Errorf("the broker's proxy saw %d failed connections of the server in %d bursts (%v), not more than the threshold of %d: the scenario proved nothing",
			failed, len(sc.bursts), per, st.cfg.threshold)
	}
	for i, n := range answered[:len(answered)-1] {
		if n == 0 {
			return fmt.Errorf("no request of the server was answered after burst %d: the errors were not scattered between successes", i+1)
		}
	}
	return nil
}

// healthFollowsErrors checks /health's tiers against the failed connections the proxy
// saw (a lower bound of the server's Kafka errors, which also counts refused dials), all
// within the server's 60 s window: from the first one on, /health is never healthy, and
// a sample taken after the proxy saw n of them is reconnecting.
func healthFollowsErrors(ctx context.Context, n int) error {
	w := world(ctx)
	st := state[breakerFamily](w)
	var closes []time.Time
	for _, c := range st.serverConns() {
		if !c.Closed.IsZero() && inBursts(state[wsScatteredFamily](w).bursts, c.Closed) {
			closes = append(closes, c.Closed)
		}
	}
	slices.SortFunc(closes, func(a, b time.Time) int { return a.Compare(b) })
	if len(closes) < n {
		return fmt.Errorf("the proxy saw %d failed connections of the server, fewer than %d: the tier was not reached", len(closes), n)
	}
	if time.Since(closes[0]) > 50*time.Second {
		return fmt.Errorf("the failures span more than the server's 60 s window")
	}
	// A connection closed while idle counts when the server next uses it: allow a second.
	first, nth := closes[0].Add(pollSlack), closes[n-1].Add(time.Second)
	for _, s := range st.watch.all() {
		switch {
		case s.At.After(nth) && s.Status != "reconnecting":
			return fmt.Errorf("/health was %s at %s, after the proxy had seen %d failed connections of the server within the window: expected reconnecting", s.Status, s.At.UTC().Format("15:04:05.000"), n)
		case s.At.After(first) && s.Status == "healthy":
			return fmt.Errorf("/health was healthy at %s, after a failed connection of the server within the window", s.At.UTC().Format("15:04:05.000"))
		}
	}
	return nil
}

func inBursts(bursts []burst, t time.Time) bool {
	for _, b := range bursts {
		if !t.Before(b.from) && t.Before(b.to.Add(inFlight)) {
			return true
		}
	}
	return false
}
