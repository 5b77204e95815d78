package steps

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/sut"
)

func registerFloodSteps(sc *godog.ScenarioContext) {
	sc.Step(`^(\d+) more connections for tenant "([^"]*)" with the token "([^"]*)" are attempted, (\d+) at a time, each held open once accepted$`, floodWebSocket)
	sc.Step(`^(\d+) connections to the exporter's /healthz are attempted, (\d+) at a time, each held open once answered$`, floodExporter)
	sc.Step(`^at most (\d+) of them were (?:accepted|answered) and the harness saw every other one refused$`, floodJudged)
	sc.Step(`^once the held connections are closed, the (server|exporter)'s own count of refused connections is shown beside the harness's$`, floodReleased)
}

// floodFamily is a connection flood's scenario state, counted at the harness's side:
// a connection is accepted when the service answers its request as it would any other,
// refused when it answers 503 or closes it without an answer.
type floodFamily struct {
	held               []net.Conn
	attempts, accepted int
	refused            int
	other              []string // attempts that ended neither accepted nor refused
}

// exchange sends req on a fresh connection and reads the response head; a connection the
// service closed without an answer returns the error with conn set.
func exchange(ctx context.Context, addr string, req *http.Request) (net.Conn, int, error) {
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := req.Write(conn); err != nil {
		return conn, 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return conn, 0, err
	}
	_ = resp.Body.Close()
	_ = conn.SetDeadline(time.Time{})
	return conn, resp.StatusCode, nil
}

// flood makes n attempts, par at a time; an attempt answered with ok is held open.
func (w *World) flood(ctx context.Context, addr string, n, par, ok int, req func() *http.Request) {
	st := state[floodFamily](w)
	w.onCleanup("held connections", func(context.Context) error { st.release(); return nil })
	var mu sync.Mutex
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conn, status, err := exchange(ctx, addr, req())
			mu.Lock()
			defer mu.Unlock()
			st.attempts++
			switch {
			case err == nil && status == ok:
				st.accepted++
				st.held = append(st.held, conn)
				return
			case err == nil && status == http.StatusServiceUnavailable, conn != nil && refusedByClose(err):
				st.refused++
			case err != nil:
				st.other = append(st.other, err.Error())
			default:
				st.other = append(st.other, fmt.Sprintf("HTTP %d", status))
			}
			if conn != nil {
				_ = conn.Close()
			}
		})
	}
	wg.Wait()
	w.progress("%d connections attempted in %.1f s: %d accepted, %d refused, %d other", st.attempts, time.Since(start).Seconds(), st.accepted, st.refused, len(st.other))
}

// refusedByClose: the service ended the connection instead of answering (also a refusal).
func refusedByClose(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

func (st *floodFamily) release() {
	for _, c := range st.held {
		_ = c.Close()
	}
	st.held = nil
}

func floodWebSocket(ctx context.Context, n int, tenant, name string, par int) error {
	w := world(ctx)
	token, err := state[wsAuthFamily](w).token(name)
	if err != nil {
		return err
	}
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	addr := ws.Addr()
	w.flood(ctx, addr, n, par, http.StatusSwitchingProtocols, func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/ws?tenant="+tenant, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		req.Header.Set("Sec-WebSocket-Version", "13")
		return req
	})
	return nil
}

func floodExporter(ctx context.Context, n, par int) error {
	if err := world(ctx).needSUT(sut.Exporter, "connection-cap"); err != nil {
		return err
	}
	w := world(ctx)
	svc, ok := w.services["exporter"]
	if !ok {
		return fmt.Errorf("no exporter runs in this scenario")
	}
	addr := svc.Addr()
	w.flood(ctx, addr, n, par, http.StatusOK, func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
		return req
	})
	return nil
}

func floodJudged(ctx context.Context, most int) error {
	w := world(ctx)
	st := state[floodFamily](w)
	w.rec.Evidence(evidence.During, evidence.KindHeaders, "connections past the cap, counted by the harness", map[string]any{
		"attempts": st.attempts, "accepted": st.accepted, "refused": st.refused, "other": len(st.other)})
	if st.attempts == 0 {
		return fmt.Errorf("no connection was attempted in this scenario")
	}
	if st.accepted > most {
		return fmt.Errorf("%d of %d connections were accepted, expected at most %d (the cap)", st.accepted, st.attempts, most)
	}
	if len(st.other) > 0 {
		return fmt.Errorf("%d of %d attempts ended neither accepted nor refused, e.g. %s", len(st.other), st.attempts, st.other[0])
	}
	if st.accepted+st.refused != st.attempts {
		return fmt.Errorf("%d accepted and %d refused of %d attempts", st.accepted, st.refused, st.attempts)
	}
	return nil
}

func floodReleased(ctx context.Context, who string) error {
	w := world(ctx)
	st := state[floodFamily](w)
	st.release()
	name, metric := "wsserver", "dashstream_ws_connections_refused_total"
	if who == "exporter" {
		name, metric = "exporter", "dashstream_exporter_connections_refused_total"
	}
	svc, ok := w.services[name]
	if !ok {
		return fmt.Errorf("no %s runs in this scenario", name)
	}
	var counted float64
	err := w.eventually(ctx, "the "+who+" to answer /metrics again", 10*time.Second, func(ctx context.Context) (bool, string, error) {
		fams, err := scrapeFamilies(ctx, svc.Addr())
		if err != nil {
			return false, "", err
		}
		mf, ok := fams[metric]
		if !ok || len(mf.GetMetric()) != 1 {
			return false, "", fmt.Errorf("/metrics has no %s", metric)
		}
		counted = mf.GetMetric()[0].GetCounter().GetValue()
		return true, fmt.Sprintf("%.0f refused by the %s's count", counted, who), nil
	})
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "connections refused: the "+who+"'s count beside the harness's", map[string]any{
		"service_count": counted, "harness_count": st.refused, "attempts": st.attempts})
	if int(counted) < st.refused {
		return fmt.Errorf("the %s counted %.0f refused connections, the harness saw %d refused", who, counted, st.refused)
	}
	return nil
}
