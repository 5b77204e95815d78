package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
)

func registerHostileQueueSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a binary client of tenant "([^"]*)" is connected, reading one frame every (\d+) ms through a 4 KiB receive buffer$`, slowBinaryClient)
	sc.Step(`^an independent client writes (\d+) valid uncompressed records of tenant "([^"]*)" of (\d+) KiB each$`, writesLargePlain)
	sc.Step(`^the slow client got (\d+) frames or fewer, and the WebSocket server counted every one it missed as dropped$`, slowClientMissedCounted)
}

// slowBinaryClient connects a binary client that waits ms after each frame behind a 4 KiB
// receive buffer: the server's queue for it fills at once. It is the slow-client family's
// client, so "the slow client catches up" applies to it.
func slowBinaryClient(ctx context.Context, tenant string, ms int) error {
	w := world(ctx)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	c, _, err := dialWSWith(ctx, ws.Addr(), tenant, wsDial{format: "binary", pause: time.Duration(ms) * time.Millisecond, tinyBuffer: true})
	if err != nil {
		return err
	}
	w.onCleanup("slow binary websocket client", func(context.Context) error { c.close(); return nil })
	st := state[wsSlowFamily](w)
	st.slow, st.tenant = c, tenant
	return nil
}

// writesLargePlain forges n valid events of tenant on a thread of their own, each an
// uncompressed value of kib KiB (chaos.Forge with Expand and Plain).
func writesLargePlain(ctx context.Context, n int, tenant string, kib int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	thread := w.name("large")
	headers := make([]chaos.ForgedHeader, n)
	for i := range headers {
		headers[i] = chaos.ForgedHeader{Tenant: tenant, Thread: thread, Sequence: uint64(i + 1), Expand: kib << 10, Plain: true}
	}
	f := chaos.Forge(w.stack.Kafka(), topic, headers)
	h, err := f.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("large records", h.Undo)
	w.rec.Evidence(evidence.During, evidence.KindNote, "large uncompressed records", map[string]any{
		"count": n, "tenant": tenant, "thread": thread, "value_bytes": kib<<10 + 1, "producer": f.Producer()})
	return nil
}

// slowClientMissedCounted waits until the slow client has received nothing new for a
// settle period, then requires: it was never disconnected, it got at most limit frames
// (it missed some, else the queue was never full), and frames received plus the server's
// dropped count equal the records of the tenant written.
func slowClientMissedCounted(ctx context.Context, limit int) error {
	w := world(ctx)
	st := state[wsSlowFamily](w)
	if st.slow == nil {
		return fmt.Errorf("no slow client in this scenario")
	}
	total, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	var got int
	var dropped float64
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	err = w.eventually(ctx, "the slow client to stop receiving, with received + dropped = written", 60*time.Second, func(ctx context.Context) (bool, string, error) {
		after, still, err := st.slow.quiet(ctx)
		if err != nil {
			return false, "", err
		}
		m, err := scrape(ctx, ws.Addr())
		if err != nil {
			return false, err.Error(), nil
		}
		got, dropped = len(after), m["dashstream_ws_dropped_frames_total"]
		return still && float64(got)+dropped == float64(total),
			fmt.Sprintf("%d frames received, %v dropped, %d written", got, dropped, total), nil
	})
	w.rec.Evidence(evidence.After, evidence.KindMetric, "slow binary client", map[string]any{
		"frames_received": got, "server_dropped": dropped, "records_written": total})
	if err != nil {
		return err
	}
	if got > limit {
		return fmt.Errorf("the slow client got %d frames, more than %d: the server queued more than its byte bound", got, limit)
	}
	return nil
}
