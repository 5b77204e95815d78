package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
)

func registerHealthTierSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server runs with stale after (\d+) seconds and reconnecting after (\d+) seconds$`, wsServerWithTiers)
	sc.Step(`^as the last message ages, /health goes from healthy to degraded after (\d+) seconds and to reconnecting after (\d+) seconds$`, healthAgesThroughTiers)
	sc.Step(`^a new message makes /health healthy again within (\d+) seconds$`, newMessageHealthy)
	sc.Step(`^the WebSocket server runs with its defaults$`, wsServerDefaults)
	sc.Step(`^its /health thresholds are:$`, healthThresholdsAre)
}

// wsTierFamily is the health tier steps' scenario state.
type wsTierFamily struct {
	watch *healthWatch
}

// ageSlack bounds how far a tier change may be seen from its due time: the last
// message reached the server before the client saw its frame (by far less than this),
// and /health is sampled every 50 ms.
const ageSlack = 750 * time.Millisecond

func wsServerWithTiers(ctx context.Context, stale, reconnecting int) error {
	w := world(ctx)
	if err := w.startWSServer(ctx, map[string]string{"HEALTH_STALE_AFTER": strconv.Itoa(stale) + "s",
		"HEALTH_RECONNECTING_AFTER": strconv.Itoa(reconnecting) + "s"}); err != nil {
		return err
	}
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	state[wsTierFamily](w).watch = watchHealth(w, ws.Addr())
	return nil
}

func healthAgesThroughTiers(ctx context.Context, stale, reconnecting int) error {
	w := world(ctx)
	st := state[wsTierFamily](w)
	c, ok := w.clients["acme"]
	if !ok {
		return fmt.Errorf("no client of tenant acme is connected")
	}
	_, n := state[wsTenantFamily](w).of("acme")
	var last time.Time
	err := w.eventually(ctx, fmt.Sprintf("the acme client to receive the %d frames written", n), 10*time.Second, func(context.Context) (bool, string, error) {
		frames, _ := c.snapshot()
		if len(frames) > 0 {
			last = frames[len(frames)-1].At
		}
		return len(frames) >= n, fmt.Sprintf("%d frames", len(frames)), nil
	})
	if err != nil {
		return err
	}
	staleAt, reconnAt := last.Add(time.Duration(stale)*time.Second), last.Add(time.Duration(reconnecting)*time.Second)
	err = w.eventually(ctx, "/health to report reconnecting", time.Until(reconnAt)+5*time.Second, func(context.Context) (bool, string, error) {
		_, ok := st.watch.first(func(s healthSample) bool { return s.At.After(last) && s.Status == "reconnecting" })
		return ok, st.watch.last().String(), nil
	})
	if err != nil {
		return err
	}
	var path []string
	seen := map[string]time.Time{}
	for _, s := range st.watch.all() {
		if s.At.Before(last) {
			continue
		}
		if len(path) == 0 || path[len(path)-1] != s.Status {
			path = append(path, s.Status)
			if _, ok := seen[s.Status]; !ok {
				seen[s.Status] = s.At
			}
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHealth, "status as the last message aged", map[string]any{
		"last_frame": last, "path": strings.Join(path, " → "), "degraded_after_seconds": seen["degraded"].Sub(last).Seconds(),
		"reconnecting_after_seconds": seen["reconnecting"].Sub(last).Seconds()})
	if got := strings.Join(path, " → "); got != "healthy → degraded → reconnecting" {
		return fmt.Errorf("after the last message /health went %s, expected healthy → degraded → reconnecting", got)
	}
	for _, t := range []struct {
		status string
		due    time.Time
	}{{"degraded", staleAt}, {"reconnecting", reconnAt}} {
		if d := seen[t.status].Sub(t.due); d < -ageSlack || d > ageSlack {
			return fmt.Errorf("/health turned %s %.2f s after the last message, expected %.0f s (± %s)",
				t.status, seen[t.status].Sub(last).Seconds(), t.due.Sub(last).Seconds(), ageSlack)
		}
	}
	return nil
}

func newMessageHealthy(ctx context.Context, seconds int) error {
	w := world(ctx)
	if err := w.writeTenant(ctx, "acme", w.name("thread-again")+"-", 1, 1); err != nil {
		return err
	}
	return healthReports(ctx, "healthy", seconds)
}

func wsServerDefaults(ctx context.Context) error {
	return world(ctx).startWSServer(ctx, map[string]string{})
}

// healthThresholdsAre compares /health's thresholds object with a table; a threshold
// /health does not show fails by name.
func healthThresholdsAre(ctx context.Context, table *godog.Table) error {
	w := world(ctx)
	if err := w.needHealthField("thresholds"); err != nil {
		return err
	}
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	h, err := getHealth(ctx, ws.Addr())
	if err != nil {
		return err
	}
	var body struct {
		Thresholds map[string]json.Number `json:"thresholds"`
	}
	if err := json.Unmarshal(h.raw, &body); err != nil {
		return fmt.Errorf("/health thresholds: %w", err)
	}
	if body.Thresholds == nil {
		return fmt.Errorf("/health has no thresholds object")
	}
	w.rec.Evidence(evidence.Before, evidence.KindHealth, "/health thresholds", body.Thresholds)
	var wrong []string
	for _, row := range table.Rows[1:] {
		name, want := row.Cells[0].Value, row.Cells[1].Value
		got, ok := body.Thresholds[name]
		switch {
		case !ok:
			wrong = append(wrong, name+" is missing")
		case got.String() != want:
			wrong = append(wrong, fmt.Sprintf("%s is %s, expected %s", name, got, want))
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("/health thresholds: %s", strings.Join(wrong, "; "))
	}
	return nil
}
