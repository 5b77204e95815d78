package steps

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

func registerLimitSteps(sc *godog.ScenarioContext) {
	sc.Step(`^(\d+) more connections for tenant "([^"]*)" with the token "([^"]*)" are attempted, (\d+) at a time, each held open once accepted$`, floodConnections)
	sc.Step(`^at most (\d+) of them were accepted and the harness saw every other one refused$`, floodJudged)
	sc.Step(`^once the held connections are closed, the server's own count of refused connections is shown beside the harness's$`, floodReleased)
	sc.Step(`^the WebSocket server runs with an HTTP idle timeout of (\d+) seconds?$`, wsServerIdle)
	sc.Step(`^a connection that made one /health request and then stays silent is closed by the server between (\d+) and (\d+) seconds after the response$`, idleConnectionClosed)
	sc.Step(`^a /health request with (\d+) KiB of headers is refused with HTTP (\d+)$`, bigHeadersRefused)
	sc.Step(`^the WebSocket server pings every (\d+) seconds? and waits (\d+) seconds? for the pong, with HTTP read and write timeouts of (\d+) seconds?$`, wsServerPings)
	sc.Step(`^a client of tenant "([^"]*)" that never answers a ping is sent a ping and disconnected within (\d+) seconds$`, silentClientDropped)
	sc.Step(`^the client of tenant "([^"]*)", which answers pings, is still connected (\d+) seconds later$`, answeringClientStays)
	sc.Step(`^the WebSocket server is started with (\S+) set to "([^"]*)"$`, wsServerStartedWith)
}

// wsLimitFamily is the limit steps' scenario state.
type wsLimitFamily struct {
	held                     []net.Conn
	attempts, accepted       int
	refused                  int
	other                    []string // attempts that ended neither accepted nor refused
	idleClose, silentDropped time.Duration
}

// rawHandshakeConn is rawHandshake without the background reader: a held connection
// just stays open. A refusal before any response (the connection closed) returns the
// error with r set.
func rawHandshakeConn(ctx context.Context, addr, tenant, token string) (*rawWS, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/ws?tenant="+tenant, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Version", "13")
	if err := req.Write(conn); err != nil {
		return &rawWS{conn: conn}, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return &rawWS{conn: conn}, err
	}
	_ = resp.Body.Close()
	_ = conn.SetDeadline(time.Time{})
	return &rawWS{conn: conn, status: resp.StatusCode}, nil
}

func floodConnections(ctx context.Context, n int, tenant, name string, par int) error {
	w := world(ctx)
	st := state[wsLimitFamily](w)
	token, err := state[wsAuthFamily](w).token(name)
	if err != nil {
		return err
	}
	addr := w.services["wsserver"].Addr()
	w.onCleanup("held connections", func(context.Context) error { st.release(); return nil })
	var mu sync.Mutex
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r, err := rawHandshakeConn(ctx, addr, tenant, token)
			mu.Lock()
			defer mu.Unlock()
			st.attempts++
			switch {
			case err == nil && r.status == http.StatusSwitchingProtocols:
				st.accepted++
				st.held = append(st.held, r.conn)
				return
			case err == nil && r.status == http.StatusServiceUnavailable, r != nil && refusedByClose(err):
				st.refused++
			case err != nil:
				st.other = append(st.other, err.Error())
			default:
				st.other = append(st.other, fmt.Sprintf("HTTP %d", r.status))
			}
			if r != nil {
				_ = r.conn.Close()
			}
		})
	}
	wg.Wait()
	w.progress("%d connections attempted in %.1f s: %d accepted, %d refused, %d other", st.attempts, time.Since(start).Seconds(), st.accepted, st.refused, len(st.other))
	return nil
}

// refusedByClose: the server ended the connection instead of answering (also a refusal).
func refusedByClose(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

func (st *wsLimitFamily) release() {
	for _, c := range st.held {
		_ = c.Close()
	}
	st.held = nil
}

func floodJudged(ctx context.Context, most int) error {
	w := world(ctx)
	st := state[wsLimitFamily](w)
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

func floodReleased(ctx context.Context) error {
	w := world(ctx)
	st := state[wsLimitFamily](w)
	st.release()
	addr := w.services["wsserver"].Addr()
	var server float64
	err := w.eventually(ctx, "the server to answer /metrics again", 10*time.Second, func(ctx context.Context) (bool, string, error) {
		fams, err := scrapeFamilies(ctx, addr)
		if err != nil {
			return false, "", err
		}
		mf, ok := fams["dashstream_ws_connections_refused_total"]
		if !ok || len(mf.GetMetric()) != 1 {
			return false, "", fmt.Errorf("/metrics has no dashstream_ws_connections_refused_total")
		}
		server = mf.GetMetric()[0].GetCounter().GetValue()
		return true, fmt.Sprintf("%.0f refused by the server's count", server), nil
	})
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "connections refused: the server's count beside the harness's", map[string]any{
		"server_count": server, "harness_count": st.refused, "attempts": st.attempts})
	if int(server) < st.refused {
		return fmt.Errorf("the server counted %.0f refused connections, the harness saw %d refused", server, st.refused)
	}
	return nil
}

func wsServerIdle(ctx context.Context, seconds int) error {
	return world(ctx).startWSServer(ctx, map[string]string{"WS_HTTP_IDLE_TIMEOUT": fmt.Sprintf("%ds", seconds), "HEALTH_STALE_AFTER": "0s"})
}

func idleConnectionClosed(ctx context.Context, least, most int) error {
	w := world(ctx)
	st := state[wsLimitFamily](w)
	addr := w.services["wsserver"].Addr()
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/health", nil)
	if err := req.Write(conn); err != nil {
		return fmt.Errorf("send /health: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return fmt.Errorf("read /health: %w", err)
	}
	if _, err := br.Discard(int(resp.ContentLength)); err != nil || resp.Close {
		return fmt.Errorf("the /health response was not kept alive (close %v, %v)", resp.Close, err)
	}
	answered := time.Now()
	_ = conn.SetReadDeadline(answered.Add(time.Duration(most)*time.Second + time.Second))
	_, err = br.ReadByte() // blocks until the server closes the connection, or the deadline
	st.idleClose = time.Since(answered)
	w.rec.Evidence(evidence.After, evidence.KindHealth, "idle connection", map[string]any{"closed_after_seconds": st.idleClose.Seconds()})
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("the idle connection was still open %.1f s after the response, expected closed within %d s", st.idleClose.Seconds(), most)
	case err == nil:
		return fmt.Errorf("the server sent a byte on an idle connection")
	case st.idleClose < time.Duration(least)*time.Second:
		return fmt.Errorf("the idle connection was closed %.2f s after the response, before the idle timeout (%d s): %v", st.idleClose.Seconds(), least, err)
	case st.idleClose > time.Duration(most)*time.Second:
		return fmt.Errorf("the idle connection was closed %.2f s after the response, later than %d s", st.idleClose.Seconds(), most)
	}
	w.progress("idle connection closed %.2f s after its response", st.idleClose.Seconds())
	return nil
}

func bigHeadersRefused(ctx context.Context, kib, status int) error {
	w := world(ctx)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+w.services["wsserver"].Addr()+"/health", nil)
	if err != nil {
		return err
	}
	for i := range kib { // 1 KiB each
		req.Header.Set(fmt.Sprintf("X-Padding-%04d", i), strings.Repeat("x", 1000))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("a /health request with %d KiB of headers: %w", kib, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != status {
		return fmt.Errorf("a /health request with %d KiB of headers got HTTP %d, expected %d", kib, resp.StatusCode, status)
	}
	return nil
}

func wsServerPings(ctx context.Context, every, wait, httpTimeout int) error {
	return world(ctx).startWSServer(ctx, map[string]string{"WS_PING_INTERVAL": fmt.Sprintf("%ds", every),
		"WS_PING_TIMEOUT": fmt.Sprintf("%ds", wait), "HEALTH_STALE_AFTER": "0s",
		"WS_HTTP_READ_TIMEOUT": fmt.Sprintf("%ds", httpTimeout), "WS_HTTP_WRITE_TIMEOUT": fmt.Sprintf("%ds", httpTimeout)})
}

func silentClientDropped(ctx context.Context, tenant string, within int) error {
	w := world(ctx)
	st := state[wsLimitFamily](w)
	r, err := rawHandshake(ctx, w.services["wsserver"].Addr(), tenant, nil)
	if err != nil {
		return err
	}
	defer r.close()
	if r.status != http.StatusSwitchingProtocols {
		return fmt.Errorf("the silent client was refused with HTTP %d", r.status)
	}
	err = w.eventually(ctx, "the server to drop the client that never answers a ping", time.Duration(within)*time.Second, func(context.Context) (bool, string, error) {
		_, ops, closed := r.snapshot()
		return !closed.IsZero(), fmt.Sprintf("%d frames received, opcodes %v, open", len(ops), ops), nil
	})
	_, ops, closed := r.snapshot()
	if !closed.IsZero() {
		st.silentDropped = closed.Sub(r.gotAt)
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "silent client", map[string]any{"opcodes": fmt.Sprint(ops), "dropped_after_seconds": st.silentDropped.Seconds()})
	if err != nil {
		return err
	}
	if !slices.Contains(ops, opPing) {
		return fmt.Errorf("the silent client was disconnected after %.1f s without ever being sent a ping (frames %v)", st.silentDropped.Seconds(), ops)
	}
	w.progress("silent client dropped %.2f s after its handshake", st.silentDropped.Seconds())
	return nil
}

func answeringClientStays(ctx context.Context, tenant string, seconds int) error {
	w := world(ctx)
	c, ok := w.clients[tenant]
	if !ok {
		return fmt.Errorf("no client of tenant %s is connected", tenant)
	}
	select { // an observation window: the client must stay connected through it
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(seconds) * time.Second):
	}
	if _, disc := c.snapshot(); disc != nil {
		return fmt.Errorf("the client of tenant %s, which answers pings, was disconnected: %w", tenant, disc)
	}
	return nil
}

func wsServerStartedWith(ctx context.Context, key, value string) error {
	w := world(ctx)
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	env := map[string]string{"WS_ADDR": "127.0.0.1:0", "HEALTH_STALE_AFTER": "0s"}
	env[key] = value
	ctx, cancel := context.WithTimeout(ctx, 12*time.Second) // a refusal takes milliseconds; the step after judges
	defer cancel()
	res, err := w.stack.Services().Run(ctx, stack.ServiceSpec{Name: "wsserver-config", Binary: stack.WSServer, Env: env})
	w.lastRun = &res
	w.rec.Evidence(evidence.During, evidence.KindLog, "dashstream-wsserver with "+key, map[string]any{
		"value": value, "exit_code": res.ExitCode, "stderr": tailLines(res.Stderr, 5), "seconds": res.Duration.Seconds()})
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}
