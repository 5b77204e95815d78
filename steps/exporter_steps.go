package steps

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// addressState is the wrong-broker-address family's state: what the exporter was
// pointed at and what the harness observes of it.
type addressState struct {
	kind     string
	started  time.Time    // when the exporter was restarted with the wrong address
	fault    chaos.Handle // undoes it: the exporter restarted with the stack's brokers
	hang     *chaos.Hang
	reset    *chaos.Resetter
	sockets  *socketWatch // the exporter's own sockets, for an address with no TCP at all
	stopping time.Time    // when the harness began to stop the exporter, if it did
	stopped  time.Time    // when the stopped exporter had exited
	policy   policyBounds // the retry policy the exporter was configured with
	dedup    time.Duration
}

// acceptTimes returns the connections the harness's listener accepted, or false when
// the address has no listener (unresolvable).
func (a *addressState) acceptTimes() ([]time.Time, bool) {
	switch {
	case a.hang != nil:
		return a.hang.AcceptTimes(), true
	case a.reset != nil:
		return a.reset.AcceptTimes(), true
	}
	return nil, false
}

func registerExporterSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the exporter runs with a broker address that (is unresolvable|refuses connections|accepts connections and never answers)$`, func(ctx context.Context, kind string) error {
		if kind == "is unresolvable" { // judged from the exporter's sockets in /proc
			if err := world(ctx).need(stack.HostServices); err != nil {
				return err
			}
		}
		return exporterWrongAddress(ctx, kind, nil)
	})
	sc.Step(`^the exporter runs with a broker address that (refuses connections), retries capped at (\d+) seconds and repeated log lines held for (\d+) seconds$`, func(ctx context.Context, kind string, capS, dedupS int) error {
		// The retry rounds are timed at the harness's listener: a forwarder in between
		// re-times them (round 8 came 5.64 s after round 7 on containers, floor 6 s).
		if err := world(ctx).need(stack.HostServices); err != nil {
			return err
		}
		return exporterWrongAddress(ctx, kind, map[string]string{"KAFKA_BACKOFF_MAX": fmt.Sprintf("%ds", capS), "LOG_DEDUP_INTERVAL": fmt.Sprintf("%ds", dedupS)})
	})
	sc.Step(`^the exporter runs with a broker address that (refuses connections), retries capped at (\d+) seconds, repeated log lines held for (\d+) seconds and no periodic flush$`, func(ctx context.Context, kind string, capS, dedupS int) error {
		// Held counts are written by the next repeat after the interval, or at shutdown:
		// the scenario sees the repeat's count, which a periodic flush may write first.
		if err := world(ctx).need(stack.HostServices); err != nil {
			return err
		}
		return exporterWrongAddress(ctx, kind, map[string]string{"KAFKA_BACKOFF_MAX": fmt.Sprintf("%ds", capS),
			"LOG_DEDUP_INTERVAL": fmt.Sprintf("%ds", dedupS), "LOG_FLUSH_INTERVAL": "24h"})
	})
	sc.Step(`^over (\d+) seconds the address sees at most (\d+) connections and receives at most (\d+) bytes$`, attemptsBounded)
	sc.Step(`^over (\d+) seconds the exporter opens no socket but its own HTTP listener's$`, noOutboundSocket)
	sc.Step(`^over (\d+) seconds the address sees at most (\d+) connections, in rounds spaced at least by the backoff floor and at most by the cap$`, retriesPaced)
	sc.Step(`^/readyz answers 503 with the reason$`, readyz503)
	sc.Step(`^it logs each distinct connection error at most once$`, loggedOnce)
	sc.Step(`^it logs each distinct connection error at most once per interval, the next line with the count it suppressed$`, loggedOncePerInterval)
	sc.Step(`^the exporter stops$`, exporterStops)
	sc.Step(`^its log accounts for every connection the address saw, each failure once$`, logAccountsForConnections)
	sc.Step(`^the exporter is restarted with the right broker address$`, exporterFixed)
	sc.Step(`^/readyz answers 200 within (\d+) seconds$`, readyz200)
	sc.Step(`^the exporter counts (\d+) messages received$`, exporterCountsReceived)
}

// exporterWrongAddress starts the exporter and restarts it pointed at a broker address
// that cannot work (chaos.ServiceWrongBroker, on the timeline, undone in cleanup). No
// traffic leaves the machine: the unresolvable name is rejected by the resolver itself,
// the others are the harness's own loopback listeners, which record every connection.
func exporterWrongAddress(ctx context.Context, kind string, extra map[string]string) error {
	w := world(ctx)
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	st := state[addressState](w)
	st.kind = kind
	var addr string
	switch kind {
	case "is unresolvable":
		addr = chaos.UnresolvableAddr()
	case "refuses connections":
		r, err := chaos.ResettingListener()
		if err != nil {
			return err
		}
		w.onCleanup("resetting listener", func(context.Context) error { return r.Close() })
		st.reset, addr = r, r.Addr()
	default:
		h, err := chaos.HangingListener()
		if err != nil {
			return err
		}
		w.onCleanup("hanging listener", func(context.Context) error { return h.Close() })
		st.hang, addr = h, h.Addr()
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	env := map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq")}
	for k, v := range extra {
		env[k] = v
	}
	if st.policy, err = policyFromEnv(env); err != nil {
		return err
	}
	if st.dedup, err = durationEnv(env, "LOG_DEDUP_INTERVAL", time.Minute); err != nil {
		return err
	}
	svc, err := w.start(ctx, launch{role: sut.Exporter, name: "exporter", listen: true, env: env})
	if err != nil {
		return err
	}
	st.started = time.Now()
	h, err := chaos.ServiceWrongBroker(svc, addr, w.stack.Kafka()).Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	st.fault = h
	w.onCleanup("exporter's broker address", h.Undo)
	if kind == "is unresolvable" {
		if st.sockets, err = watchSockets(svc); err != nil {
			return err
		}
		w.onCleanup("socket watch", func(context.Context) error { st.sockets.stop(); return nil })
	}
	live := w.sut.LivePath(sut.Exporter)
	return w.eventually(ctx, "the exporter to serve "+live, 20*time.Second, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), live)
		return code == 200, fmt.Sprintf("%s %d", live, code), err
	})
}

// window waits until seconds have passed since the exporter started with the wrong
// address: a measuring window, not a readiness wait.
func (a *addressState) window(ctx context.Context, seconds int) (time.Time, error) {
	end := a.started.Add(time.Duration(seconds) * time.Second)
	select {
	case <-time.After(time.Until(end)):
		return end, nil
	case <-ctx.Done():
		return end, ctx.Err()
	}
}

// attemptsBounded counts, over a fixed window, the connections the harness's listener
// accepted and (for a hanging address, maxBytes >= 0) the bytes it received. The
// exporter's own attempt counter is shown beside it, never used for the verdict.
func attemptsBounded(ctx context.Context, seconds, maxConns, maxBytes int) error {
	w := world(ctx)
	st := state[addressState](w)
	conns, _, err := st.connsInWindow(ctx, seconds)
	if err != nil {
		return err
	}
	var bytes int64
	if st.hang != nil {
		bytes = st.hang.BytesReceived()
	}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	own, ownErr := scrape(ctx, exp.Addr())
	data := map[string]any{"window_seconds": seconds, "connections_at_harness_listener": len(conns),
		"connection_times": offsets(conns, st.started), "bytes_received_by_harness_listener": bytes,
		"exporter_says_connect_attempts": own["dashstream_exporter_kafka_connect_attempts_total"], "exporter_scrape_error": errString(ownErr)}
	w.rec.Evidence(evidence.During, evidence.KindNote, "connections at the broker address", data)
	if len(conns) == 0 {
		return fmt.Errorf("the harness's listener at the broker address accepted no connection in %d s: the exporter is not trying at all", seconds)
	}
	if len(conns) > maxConns {
		return fmt.Errorf("the harness's listener accepted %d connections in %d s, at most %d allowed: a retry storm (times since start: %v)", len(conns), seconds, maxConns, offsets(conns, st.started))
	}
	if maxBytes >= 0 && bytes > int64(maxBytes) {
		return fmt.Errorf("the harness's listener received %d bytes in %d s, at most %d allowed", bytes, seconds, maxBytes)
	}
	return nil
}

func readyz503(ctx context.Context) error {
	w := world(ctx)
	if err := w.needSUT(sut.Exporter, "readiness"); err != nil {
		return err
	}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	code, body, err := get(ctx, exp.Addr(), w.sut.ReadyPath(sut.Exporter))
	if err != nil {
		return err
	}
	w.rec.Text(evidence.During, evidence.KindHealth, "/readyz", fmt.Sprintf("%d %s", code, body))
	if code != http.StatusServiceUnavailable || strings.TrimSpace(body) == "" {
		return fmt.Errorf("/readyz answered %d %q, expected 503 with a reason", code, body)
	}
	return nil
}

// exporterFixed undoes the wrong address: the exporter restarts with the stack's
// brokers.
func exporterFixed(ctx context.Context) error {
	st := state[addressState](world(ctx))
	if st.sockets != nil {
		st.sockets.stop()
	}
	return st.fault.Undo(ctx)
}

func readyz200(ctx context.Context, seconds int) error {
	w := world(ctx)
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	return w.eventually(ctx, "/readyz to answer 200", time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		code, body, err := get(ctx, exp.Addr(), w.sut.ReadyPath(sut.Exporter))
		return code == 200, fmt.Sprintf("%d %s", code, strings.TrimSpace(body)), err
	})
}

// exporterCountsReceived waits for the exporter's received counter to reach n, then
// compares it with the broker's own count of the scenario's topic (its end offsets, read
// by the harness): the records that exist, not what the exporter or the producer says.
func exporterCountsReceived(ctx context.Context, n int) error {
	w := world(ctx)
	if err := w.exporterMetricReaches(ctx, "dashstream_messages_received_total", n); err != nil {
		return err
	}
	total, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.After, evidence.KindNote, "records in the topic (end offsets) beside the exporter's count", map[string]any{
		"records_in_topic": total, "exporter_received": n})
	if total != int64(n) {
		return fmt.Errorf("the topic holds %d records, the exporter counted %d received", total, n)
	}
	return nil
}

// get returns the status and body of GET http://addr/path, bounded by 3 s.
func get(ctx context.Context, addr, path string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
