package steps

import (
	"context"
	"fmt"
	"github.com/dashstream/acceptance/system/stack"
	"strconv"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
)

func registerSlowClientSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server runs with a queue of (\d+) frames per client$`, wsServerWithQueue)
	sc.Step(`^a slow client of tenant "([^"]*)" is connected, reading one frame every (\d+) ms through a 4 KiB receive buffer$`, slowClientConnected)
	sc.Step(`^tenant "([^"]*)" writes (\d+) events on one thread, (\d+) a second$`, tenantWritesOneThread)
	sc.Step(`^the slow client catches up$`, slowClientCatchesUp)
	sc.Step(`^the slow client got its tenant's frames in order without duplicates, missed some, and the server counted every one it missed as dropped$`, slowClientDropsCounted)
}

// wsSlowFamily is the slow-client steps' scenario state.
type wsSlowFamily struct {
	slow   *wsClient
	tenant string
}

func wsServerWithQueue(ctx context.Context, n int) error {
	if err := world(ctx).need(stack.HostServices); err != nil {
		return err
	}
	return world(ctx).startWSServer(ctx, map[string]string{"WS_QUEUE_SIZE": strconv.Itoa(n), "HEALTH_STALE_AFTER": "0s"})
}

func slowClientConnected(ctx context.Context, tenant string, ms int) error {
	w := world(ctx)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	c, _, err := dialWSWith(ctx, ws.Addr(), tenant, wsDial{pause: time.Duration(ms) * time.Millisecond, tinyBuffer: true})
	if err != nil {
		return err
	}
	w.onCleanup("slow websocket client", func(context.Context) error { c.close(); return nil })
	st := state[wsSlowFamily](w)
	st.slow, st.tenant = c, tenant
	return nil
}

func tenantWritesOneThread(ctx context.Context, tenant string, n, rate int) error {
	w := world(ctx)
	return w.writeTenant(ctx, tenant, w.name("thread")+"-", 1, n, "-rate", strconv.Itoa(rate))
}

func slowClientCatchesUp(ctx context.Context) error {
	st := state[wsSlowFamily](world(ctx))
	if st.slow == nil {
		return fmt.Errorf("no slow client in this scenario")
	}
	st.slow.pause.Store(0)
	return nil
}

// slowClientDropsCounted judges the slow client once it stopped receiving: what it got
// is its tenant's frames, in order, each once; it missed some (else the scenario proved
// nothing); and written = received + counted as dropped.
func slowClientDropsCounted(ctx context.Context) error {
	w := world(ctx)
	st := state[wsSlowFamily](w)
	want, n := state[wsTenantFamily](w).of(st.tenant)
	var frames []wsFrame
	err := w.eventually(ctx, "the slow client to stop receiving", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		after, still, err := st.slow.quiet(ctx)
		if err != nil {
			return false, "", err
		}
		frames = after
		return still, fmt.Sprintf("%d frames, still for %s: %v", len(after), settle, still), nil
	})
	if err != nil {
		return err
	}
	chk := checkFrames(frames, st.tenant, want)
	chk.Gaps, chk.Missing = nil, nil // a slow client loses its oldest frames: gaps are the point
	if err := chk.Err(); err != nil {
		return fmt.Errorf("the slow client: %w", err)
	}
	missed := n - len(frames)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	m, err := scrape(ctx, ws.Addr())
	if err != nil {
		return err
	}
	dropped, ok := m["dashstream_ws_dropped_frames_total"]
	w.rec.Evidence(evidence.After, evidence.KindMetric, "slow client", map[string]any{
		"written": n, "received": len(frames), "missed": missed, "dashstream_ws_dropped_frames_total": dropped})
	switch {
	case missed <= 0:
		return fmt.Errorf("the slow client received all %d frames: it was never slow enough to lose one, so nothing was proven", n)
	case !ok:
		return fmt.Errorf("the server's /metrics has no dashstream_ws_dropped_frames_total, while the slow client missed %d of %d frames", missed, n)
	case int(dropped) != missed:
		return fmt.Errorf("the slow client missed %d of %d frames; the server counted %v as dropped", missed, n, dropped)
	}
	return nil
}
