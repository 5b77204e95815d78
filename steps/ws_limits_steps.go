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
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

func registerLimitSteps(sc *godog.ScenarioContext) {
	registerFloodSteps(sc)
	sc.Step(`^the WebSocket server runs with an HTTP idle timeout of (\d+) seconds?$`, wsServerIdle)
	sc.Step(`^a connection that made one /health request and then stays silent is closed by the server between (\d+) and (\d+) seconds after the response$`, idleConnectionClosed)
	sc.Step(`^a /health request with (\d+) KiB of headers is refused with HTTP (\d+)$`, func(ctx context.Context, kib, status int) error {
		return bigHeadersRefused(ctx, "wsserver", "/health", kib, status)
	})
	sc.Step(`^a /metrics request to the exporter with (\d+) KiB of headers is refused with HTTP (\d+)$`, func(ctx context.Context, kib, status int) error {
		return bigHeadersRefused(ctx, "exporter", "/metrics", kib, status)
	})
	sc.Step(`^the WebSocket server pings every (\d+) seconds? and waits (\d+) seconds? for the pong, with HTTP read and write timeouts of (\d+) seconds?$`, wsServerPings)
	sc.Step(`^a client of tenant "([^"]*)" that never answers a ping is sent a ping and disconnected within (\d+) seconds$`, silentClientDropped)
	sc.Step(`^the client of tenant "([^"]*)", which answers pings, is still connected (\d+) seconds later$`, answeringClientStays)
	sc.Step(`^the WebSocket server is started with (\S+) set to "([^"]*)"$`, wsServerStartedWith)
}

// wsLimitFamily is the limit steps' scenario state.
type wsLimitFamily struct {
	idleClose, silentDropped time.Duration
}

func wsServerIdle(ctx context.Context, seconds int) error {
	return world(ctx).startWSServer(ctx, map[string]string{"WS_HTTP_IDLE_TIMEOUT": fmt.Sprintf("%ds", seconds), "HEALTH_STALE_AFTER": "0s"})
}

func idleConnectionClosed(ctx context.Context, least, most int) error {
	w := world(ctx)
	st := state[wsLimitFamily](w)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	addr := ws.Addr()
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

func bigHeadersRefused(ctx context.Context, service, path string, kib, status int) error {
	w := world(ctx)
	if err := w.needSUT(sut.Role(service), "header-limit"); err != nil {
		return err
	}
	svc, ok := w.services[service]
	if !ok {
		return fmt.Errorf("no %s runs in this scenario", service)
	}
	// A raw connection, read while the headers are still being written: the server
	// answers as soon as the limit is passed and stops reading, so a client that first
	// writes everything (net/http's) can fail its write with a broken pipe before it
	// reads the answer, which says nothing about the server.
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", svc.Addr())
	if err != nil {
		return fmt.Errorf("a %s request with %d KiB of headers: %w", path, kib, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, svc.Addr())
	for i := range kib { // 1 KiB each
		fmt.Fprintf(&b, "X-Padding-%04d: %s\r\n", i, strings.Repeat("x", 1000))
	}
	b.WriteString("\r\n")
	go func() { _, _ = io.WriteString(conn, b.String()) }() // its error is the server's refusal
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return fmt.Errorf("a %s request with %d KiB of headers got no HTTP answer: %w", path, kib, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != status {
		return fmt.Errorf("a %s request with %d KiB of headers got HTTP %d, expected %d", path, kib, resp.StatusCode, status)
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
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	r, err := rawHandshake(ctx, ws.Addr(), tenant, nil)
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
	res, err := w.run(ctx, launch{role: sut.WSServer, name: "wsserver-config", env: env})
	state[runState](w).last = &res
	w.rec.Evidence(evidence.During, evidence.KindLog, "dashstream-wsserver with "+key, map[string]any{
		"value": value, "exit_code": res.ExitCode, "stderr": proc.LastLines(res.Stderr, 5), "seconds": res.Duration.Seconds()})
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}
