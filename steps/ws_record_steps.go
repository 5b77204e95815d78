package steps

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
)

func registerRecordFrameSteps(sc *godog.ScenarioContext) {
	sc.Step(`^after a settle period, the client has a frame for every record Kafka holds, each once, in order$`, clientHasEveryRecord)
}

// allRecords reads every record the scenario's events topic holds (readSettled).
func (w *World) allRecords(ctx context.Context) ([]*kgo.Record, error) {
	return readSettled(ctx, w, w.topic("events"), 0, 30*time.Second)
}

// wsDrops says how many frames the WebSocket server counted as dropped for slow clients,
// to tell a frame the server dropped from one it never had.
func (w *World) wsDrops(ctx context.Context) string {
	ws, err := w.service("wsserver")
	if err != nil {
		return err.Error()
	}
	m, err := scrape(ctx, ws.Addr())
	if err != nil {
		return "the server's dropped frames unknown: " + err.Error()
	}
	n, ok := m["dashstream_ws_dropped_frames_total"]
	if !ok {
		return "the server exposes no dashstream_ws_dropped_frames_total"
	}
	return fmt.Sprintf("the server counted %v frames dropped for slow clients", n)
}

// clientHasEveryRecord judges the default client after an outage: once the producer
// stopped and a settle period passed, its frames name every record Kafka holds, each
// once, in each partition's order, and nothing else.
func clientHasEveryRecord(ctx context.Context) error {
	w := world(ctx)
	c, ok := w.clients["default"]
	if !ok {
		return fmt.Errorf("no client of tenant default is connected")
	}
	recs, err := w.allRecords(ctx)
	if err != nil {
		return err
	}
	var frames []wsFrame
	err = w.eventually(ctx, fmt.Sprintf("the client to have a frame for each of the %d records", len(recs)), 20*time.Second, func(context.Context) (bool, string, error) {
		frames, _ = c.snapshot()
		return len(frames) >= len(recs), fmt.Sprintf("%d frames", len(frames)), nil
	})
	if err != nil {
		if ctl := c.controlFrames(); len(ctl) > 0 {
			return fmt.Errorf("%w (%s; %d control frames, the first %s)", err, w.wsDrops(ctx), len(ctl), ctl[0])
		}
		return fmt.Errorf("%w (%s)", err, w.wsDrops(ctx))
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settle):
	}
	frames, disc := c.snapshot()
	if disc != nil {
		return fmt.Errorf("the client was disconnected: %w", disc)
	}
	want := map[string]bool{}
	for _, r := range recs {
		want[fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset)] = true
	}
	seen, last := map[string]bool{}, map[int32]int64{}
	var problems []string
	for _, f := range frames {
		k := fmt.Sprintf("%s/%d/%d", f.Topic, f.Partition, f.Offset)
		switch {
		case f.Problem != "":
			problems = append(problems, f.Problem)
		case f.TenantID != "default":
			problems = append(problems, fmt.Sprintf("%s of tenant %q", k, f.TenantID))
		case seen[k]:
			problems = append(problems, k+" twice")
		case !want[k]:
			problems = append(problems, k+" is no record of Kafka")
		case f.Offset <= last[f.Partition] && seen[fmt.Sprintf("%s/%d/%d", f.Topic, f.Partition, last[f.Partition])]:
			problems = append(problems, fmt.Sprintf("%s after offset %d", k, last[f.Partition]))
		}
		seen[k], last[f.Partition] = true, f.Offset
	}
	for k := range want {
		if !seen[k] {
			problems = append(problems, k+" never arrived")
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "the client's frames against Kafka", map[string]any{
		"records": len(recs), "frames": len(frames), "problems": len(problems), "control_frames": c.controlFrames()})
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("%d records on Kafka, %d frames: %s", len(recs), len(frames), abbrevItems(problems))
	}
	return nil
}
