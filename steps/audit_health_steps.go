package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/sut"
)

func registerAuditHealthSteps(sc *godog.ScenarioContext) {
	sc.Step(`^/health counts (\d+) undecodable records? in its window within (\d+) seconds$`, healthCountsDecodeErrors)
	sc.Step(`^/health reports "degraded" for no message in over (\d+) seconds, within (\d+) seconds$`, healthReportsStale)
	sc.Step(`^/health counts (\d+) connected clients? within (\d+) seconds$`, healthCountsClients)
	sc.Step(`^the client of tenant "([^"]*)" disconnects$`, clientDisconnects)
	sc.Step(`^the client of tenant "([^"]*)" sends a message of (\d+) bytes$`, clientSendsMessage)
	sc.Step(`^the server closes the client of tenant "([^"]*)" with status (\d+) within (\d+) seconds$`, serverClosesWith)
}

// healthField reads one metrics field of the /health JSON; a missing field is an error,
// never 0.
func healthField(h wsHealth, field string) (float64, error) {
	var doc struct {
		Metrics map[string]json.RawMessage `json:"metrics"`
	}
	if err := json.Unmarshal(h.raw, &doc); err != nil {
		return 0, fmt.Errorf("/health: %w", err)
	}
	raw, ok := doc.Metrics[field]
	if !ok {
		return 0, fmt.Errorf("/health has no metrics.%s field", field)
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, fmt.Errorf("/health metrics.%s = %s: %w", field, raw, err)
	}
	return v, nil
}

// waitHealthField waits until /health's metrics.field is n; a missing field fails at once.
func (w *World) waitHealthField(ctx context.Context, field string, n int, within time.Duration, also func(wsHealth) bool) error {
	var fieldErr error
	last := "none"
	err := w.waitHealth(ctx, fmt.Sprintf("/health metrics.%s to be %d", field, n), within, func(h wsHealth) bool {
		v, err := healthField(h, field)
		if err != nil {
			fieldErr = err
			return true
		}
		last = fmt.Sprint(v)
		return v == float64(n) && (also == nil || also(h))
	})
	if fieldErr != nil {
		return fieldErr
	}
	if err != nil {
		return fmt.Errorf("%w (metrics.%s was %s)", err, field, last)
	}
	return nil
}

// healthCountsDecodeErrors: the undecodable records are in the window's count, and
// /health is degraded with a reason that names them.
func healthCountsDecodeErrors(ctx context.Context, n, seconds int) error {
	w := world(ctx)
	// An implementation whose /health gives no reasons is judged on its status alone.
	_, noReasons := w.sut.HealthField("reasons")
	return w.waitHealthField(ctx, "recent_decode_errors", n, time.Duration(seconds)*time.Second, func(h wsHealth) bool {
		return h.Status == "degraded" && (noReasons != nil || anyReason(h, "undecodable"))
	})
}

func healthReportsStale(ctx context.Context, stale, seconds int) error {
	return world(ctx).waitHealth(ctx, fmt.Sprintf("/health to report degraded for no message in over %d s", stale),
		time.Duration(seconds)*time.Second, func(h wsHealth) bool {
			return h.Status == "degraded" && anyReason(h, "since the last kafka message")
		})
}

func anyReason(h wsHealth, part string) bool {
	for _, r := range h.Reasons {
		if strings.Contains(r, part) {
			return true
		}
	}
	return false
}

func healthCountsClients(ctx context.Context, n, seconds int) error {
	return world(ctx).waitHealthField(ctx, "connected_clients", n, time.Duration(seconds)*time.Second, nil)
}

func clientDisconnects(ctx context.Context, tenant string) error {
	w := world(ctx)
	c, ok := w.clients[tenant]
	if !ok {
		return fmt.Errorf("no client of tenant %s is connected", tenant)
	}
	c.close()
	delete(w.clients, tenant)
	w.rec.Mark(evidence.EventNote, "client closed", "the client of tenant "+tenant+" closed its connection")
	return nil
}

func clientSendsMessage(ctx context.Context, tenant string, size int) error {
	w := world(ctx)
	c, ok := w.clients[tenant]
	if !ok {
		return fmt.Errorf("no client of tenant %s is connected", tenant)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.conn.Write(wctx, websocket.MessageText, []byte(strings.Repeat("x", size))); err != nil {
		return fmt.Errorf("send %d bytes: %w", size, err)
	}
	return nil
}

// serverClosesWith waits for the client's read loop to end and checks the close status
// the server sent.
func serverClosesWith(ctx context.Context, tenant string, status, seconds int) error {
	w := world(ctx)
	if err := w.needSUT(sut.WSServer, "close-code"); err != nil {
		return err
	}
	c, ok := w.clients[tenant]
	if !ok {
		return fmt.Errorf("no client of tenant %s is connected", tenant)
	}
	var got websocket.StatusCode = -1
	err := w.eventually(ctx, fmt.Sprintf("the server to close the client with %d", status), time.Duration(seconds)*time.Second,
		func(context.Context) (bool, string, error) {
			_, disc := c.snapshot()
			if disc == nil {
				return false, "still connected", nil
			}
			got = websocket.CloseStatus(disc)
			return true, fmt.Sprintf("closed: %v", disc), nil
		})
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.During, evidence.KindNote, "close status", map[string]any{"status": int(got)})
	if got != websocket.StatusCode(status) {
		return fmt.Errorf("the server closed the client with status %d, expected %d", got, status)
	}
	return nil
}
