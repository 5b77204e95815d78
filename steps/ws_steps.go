package steps

import (
	"context"
	"encoding/json"
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

func registerWebSocketSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server runs with a (\d+) second health window, stale after (\d+) seconds, and a breaker that half-opens after (\d+) seconds$`, wsServerRuns)
	sc.Step(`^a client subscribed to tenant "([^"]*)" is connected$`, clientConnected)
	sc.Step(`^/health reports "([^"]*)" within (\d+) seconds$`, healthReports)
	sc.Step(`^/health reports the outage within (\d+) seconds$`, healthReportsOutage)
	sc.Step(`^/health says Kafka is "(connected|disconnected)" within (\d+) seconds$`, healthKafkaStatus)
	sc.Step(`^broker (\d+) goes down with a (\S+)$`, brokerGoesDown)
	sc.Step(`^the broker comes back$`, brokerComesBack)
	sc.Step(`^/health reports "healthy" within (\d+) seconds of the broker's return$`, healthyAfterReturn)
	sc.Step(`^its recent-window error counts are 0$`, recentErrorsZero)
	sc.Step(`^the WebSocket server's consumer loop never restarted$`, consumerLoopNeverRestarted)
	sc.Step(`^the client was never disconnected and receives frames written after the recovery$`, clientKeptReceiving)
	registerTenantFrameSteps(sc)
	registerSlowClientSteps(sc)
	registerHealthTierSteps(sc)
	registerContractSteps(sc)
	registerAuthSteps(sc)
	registerLimitSteps(sc)
	registerScatteredSteps(sc)
	registerRecordFrameSteps(sc)
}

// outageQueue is the client queue of the outage scenarios' server, in frames: what is
// written during an outage reaches the server at once when the broker returns (about 400
// records after 10 s), and these scenarios judge that every record reaches the client, so
// the burst must fit a client that reads it more slowly than it arrives (through the
// containers stack's published port) instead of costing it the oldest frames, as the
// default queue of 256 frames does by design.
const outageQueue = 4096

func wsServerRuns(ctx context.Context, window, stale, openFor int) error {
	return world(ctx).startWSServer(ctx, map[string]string{"HEALTH_WINDOW": strconv.Itoa(window) + "s",
		"HEALTH_STALE_AFTER": strconv.Itoa(stale) + "s", "CB_OPEN_FOR": strconv.Itoa(openFor) + "s",
		"WS_QUEUE_SIZE": strconv.Itoa(outageQueue)})
}

// startWSServer starts the scenario's WebSocket server on its events topic with env
// added, closes its clients at the end, and waits until /health answers.
func (w *World) startWSServer(ctx context.Context, env map[string]string) error {
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	env["KAFKA_TOPICS"] = topic
	svc, err := w.start(ctx, launch{role: sut.WSServer, name: "wsserver", listen: true, env: env})
	if err != nil {
		return err
	}
	w.onCleanup("websocket clients", func(context.Context) error {
		for _, c := range w.clients {
			c.close()
		}
		return nil
	})
	return w.eventually(ctx, "the WebSocket server to answer /health", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		h, err := getHealth(ctx, svc.Addr())
		return err == nil, h.Status, err
	})
}

func clientConnected(ctx context.Context, tenant string) error {
	w := world(ctx)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	c, err := dialWS(ctx, ws.Addr(), tenant)
	if err != nil {
		return err
	}
	w.clients[tenant] = c
	return nil
}

// healthPhase is the evidence phase of a /health capture: before, during or after the
// scenario's broker outage.
func (w *World) healthPhase() evidence.Phase {
	back := w.brokerBack()
	switch {
	case state[outageFamily](w).current != nil && back.IsZero():
		return evidence.During
	case !back.IsZero():
		return evidence.After
	}
	return evidence.Before
}

func (w *World) waitHealth(ctx context.Context, name string, within time.Duration, ok func(wsHealth) bool) error {
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	addr := ws.Addr()
	var last wsHealth
	err = w.eventually(ctx, name, within, func(ctx context.Context) (bool, string, error) {
		h, err := getHealth(ctx, addr)
		if err != nil {
			return false, "", err
		}
		if known := w.sut.HealthStatuses(); !slices.Contains(known, h.Status) {
			return false, "", fmt.Errorf("/health status %q is none of %s", h.Status, strings.Join(known, ", "))
		}
		last = h
		return ok(h), fmt.Sprintf("status %s, kafka %s, breaker %s, reasons %v", h.Status, h.KafkaStatus, h.Breaker.State, h.Reasons), nil
	})
	if last.raw != nil {
		w.rec.Evidence(w.healthPhase(), evidence.KindHealth, "/health", last.raw)
	}
	return err
}

func healthReports(ctx context.Context, status string, seconds int) error {
	return world(ctx).waitHealth(ctx, "/health to report "+status, time.Duration(seconds)*time.Second,
		func(h wsHealth) bool { return h.Status == status })
}

func healthReportsOutage(ctx context.Context, seconds int) error {
	return world(ctx).waitHealth(ctx, "/health to report the outage", time.Duration(seconds)*time.Second,
		func(h wsHealth) bool { return h.Status != "healthy" })
}

// healthKafkaStatus waits until /health's kafka_status is want: the harness knows
// whether the broker is down, and /health must say so.
func healthKafkaStatus(ctx context.Context, want string, seconds int) error {
	w := world(ctx)
	if err := w.needHealthField("kafka_status"); err != nil {
		return err
	}
	return w.waitHealth(ctx, "/health's kafka_status to be "+want, time.Duration(seconds)*time.Second,
		func(h wsHealth) bool { return h.KafkaStatus == want })
}

func brokerGoesDown(ctx context.Context, i int, outage string) error {
	w := world(ctx)
	fault, err := w.brokerFault(i, outage)
	if err != nil {
		return err
	}
	h, err := fault.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	state[outageFamily](w).current = h
	w.onCleanup("undo "+fault.Name(), h.Undo)
	w.progress("fault injected: %s on broker %d", fault.Name(), i)
	return nil
}

// wsReturnState is what the default client had when the broker came back.
type wsReturnState struct{ frames int }

func brokerComesBack(ctx context.Context) error {
	w := world(ctx)
	if state[outageFamily](w).current == nil {
		return fmt.Errorf("no broker went down in this scenario")
	}
	if err := state[outageFamily](w).current.Undo(ctx); err != nil {
		return err
	}
	w.markBrokerBack(time.Now(), "the broker outage was undone")
	if c, ok := w.clients["default"]; ok {
		frames, _ := c.snapshot()
		state[wsReturnState](w).frames = len(frames)
	}
	return nil
}

func healthyAfterReturn(ctx context.Context, seconds int) error {
	w := world(ctx)
	err := w.waitHealth(ctx, "/health to report healthy after the broker's return", time.Duration(seconds)*time.Second,
		func(h wsHealth) bool { return h.Status == "healthy" })
	if err == nil {
		w.rec.Mark(evidence.EventRecovered, "wsserver healthy", fmt.Sprintf("%.1f s after the broker's return", time.Since(w.brokerBack()).Seconds()))
	}
	return err
}

func recentErrorsZero(ctx context.Context) error {
	w := world(ctx)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	h, err := getHealth(ctx, ws.Addr())
	if err != nil {
		return err
	}
	var body struct {
		Metrics map[string]json.Number `json:"metrics"`
	}
	if err := json.Unmarshal(h.raw, &body); err != nil {
		return fmt.Errorf("/health metrics: %w", err)
	}
	var bad []string
	for _, name := range []string{"recent_kafka_errors", "recent_infrastructure_errors", "recent_decode_errors"} {
		v, ok := body.Metrics[name]
		switch {
		case !ok:
			bad = append(bad, "/health has no metrics."+name)
		case v.String() != "0":
			bad = append(bad, fmt.Sprintf("%s %s", name, v))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("recent-window errors, expected 0: %s (all-time kafka errors: %d)", strings.Join(bad, ", "), h.Metrics.KafkaErrors)
	}
	return nil
}

// consumerLoopNeverRestarted judges restarts by the server's log and its own counter
// (a missing counter fails, it is not read as 0); its connections at the broker's proxy
// are shown beside as evidence.
func consumerLoopNeverRestarted(ctx context.Context) error {
	w := world(ctx)
	svc, err := w.service("wsserver")
	if err != nil {
		return err
	}
	m, err := scrape(ctx, svc.Addr())
	if err != nil {
		return err
	}
	got, ok := m["dashstream_ws_consumer_restarts_total"]
	if !ok {
		return fmt.Errorf("the server's /metrics has no dashstream_ws_consumer_restarts_total")
	}
	if n := strings.Count(svc.Log(0), "kafka consumer loop ended; restarting it"); n > 0 || got != 0 {
		return fmt.Errorf("the consumer loop restarted: %d restart lines in the server's log, dashstream_ws_consumer_restarts_total %v", n, got)
	}
	// The connections the server held at once at the broker's proxy are shown beside, not
	// judged: on real Kafka one client held 6 at once across an outage (failed attempts
	// still draining beside their replacements, and franz-go keeps up to five kinds of
	// connection per broker), so the count does not tell a second client apart.
	if p := w.stack.Kafka().Brokers()[0].Proxy(); p != nil {
		if id, err := w.sut.KafkaClientID(sut.WSServer); err == nil {
			w.rec.Evidence(evidence.After, evidence.KindMetric, "the server's connections open at once at the broker's proxy",
				mostOpenAtOnce(p.Conns(), id))
		}
	}
	return nil
}

// mostOpenAtOnce returns the most connections of clientID open at the same time.
func mostOpenAtOnce(conns []netfault.Conn, clientID string) int {
	type ev struct {
		at time.Time
		d  int
	}
	var evs []ev
	for _, c := range conns {
		if c.ClientID != clientID {
			continue
		}
		evs = append(evs, ev{c.Accepted, 1})
		if !c.Closed.IsZero() {
			evs = append(evs, ev{c.Closed, -1})
		}
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.d - b.d // a close before an open at the same instant
	})
	open, most := 0, 0
	for _, e := range evs {
		open += e.d
		most = max(most, open)
	}
	return most
}

func clientKeptReceiving(ctx context.Context) error {
	w := world(ctx)
	c := w.clients["default"]
	err := w.eventually(ctx, "the client to receive frames written after the recovery", 15*time.Second, func(context.Context) (bool, string, error) {
		frames, disc := c.snapshot()
		if disc != nil {
			return false, "", fmt.Errorf("the client was disconnected: %w", disc)
		}
		at := state[wsReturnState](w).frames
		return len(frames) > at, fmt.Sprintf("%d frames, %d at the broker's return", len(frames), at), nil
	})
	if err != nil {
		return err
	}
	if back := w.brokerBack(); !back.IsZero() {
		if at, ok := c.firstAfter(back); ok {
			d := at.Sub(back)
			w.rec.MarkAt(at, evidence.EventRecovered, "first frame", fmt.Sprintf("%.1f s after the broker's return", d.Seconds()))
			w.rec.Evidence(evidence.After, evidence.KindMetric, "data recovery", map[string]any{
				"first_frame_after_return_seconds": d.Seconds()})
		}
	}
	return nil
}
