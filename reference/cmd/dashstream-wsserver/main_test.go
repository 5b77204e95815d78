package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/internal/bintest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/reference/wsserver"
)

func TestMain(m *testing.M) { bintest.Main(m) }

const pkg = "github.com/dashstream/acceptance/reference/cmd/dashstream-wsserver"

func TestBadConfigExits2WithOneLine(t *testing.T) {
	bin := bintest.Build(t, pkg)
	badGrants := filepath.Join(t.TempDir(), "grants")
	require.NoError(t, os.WriteFile(badGrants, []byte("0123456789abcdef acme\n# a comment\n0123456789abcdef0 acme globex\n"), 0o600))
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad addr", map[string]string{"WS_ADDR": "localhost"}, nil, `listen address "localhost" is not host:port`},
		{"broker without port", map[string]string{"KAFKA_BROKERS": "a:1,b"}, nil, `broker "b" is not host:port`},
		{"bad window", map[string]string{"HEALTH_WINDOW": "1 minute"}, nil, `HEALTH_WINDOW="1 minute" is not a duration`},
		{"zero window", nil, []string{"-health-window", "0s"}, "-health-window (HEALTH_WINDOW) 0s is outside 1s..24h0m0s"},
		{"bad queue", map[string]string{"WS_QUEUE_SIZE": "many"}, nil, `WS_QUEUE_SIZE="many" is not a whole number`},
		{"zero queue", nil, []string{"-queue-size", "0"}, "-queue-size (WS_QUEUE_SIZE) 0 is outside 1..65536"},
		{"huge queue", nil, []string{"-queue-size", "4611686018427387904"}, "-queue-size (WS_QUEUE_SIZE) 4611686018427387904 is outside 1..65536"},
		{"busy-looping dedup", map[string]string{"LOG_DEDUP_INTERVAL": "1ns"}, nil, "-log-dedup-interval (LOG_DEDUP_INTERVAL) 1ns is outside 100ms..24h0m0s"},
		{"malformed origin", map[string]string{"WS_ALLOWED_ORIGINS": "["}, nil, `WS_ALLOWED_ORIGINS: bad allowed origin: pattern "[" is malformed`},
		{"negative drops", nil, []string{"-disconnect-after-drops", "-1"}, "-disconnect-after-drops (WS_DISCONNECT_AFTER_DROPS) -1 is outside 0..1000000"},
		{"connection cap", map[string]string{"WS_MAX_CONNECTIONS": "0"}, nil, "-max-connections (WS_MAX_CONNECTIONS) 0 is outside 1..100000"},
		{"breaker threshold", map[string]string{"CB_FAILURE_THRESHOLD": "0"}, nil, "-cb-failure-threshold (CB_FAILURE_THRESHOLD) 0 is outside 1..10000"},
		{"two problems at once", map[string]string{"CB_OPEN_FOR": "-1s", "KAFKA_TOPICS": ","}, nil, "no topics: set KAFKA_TOPICS or -topics; -cb-open-for (CB_OPEN_FOR) -1s is outside 100ms..1h0m0s"},
		{"queue bytes below its range", map[string]string{"WS_QUEUE_BYTES": "1024"}, nil, "-queue-bytes (WS_QUEUE_BYTES) 1024 is outside 65536..1073741824"},
		{"decode budget not a number", map[string]string{"DECODE_BUDGET": "64MiB"}, nil, `DECODE_BUDGET="64MiB" is not a whole number`},
		{"decode budget below its range", nil, []string{"-decode-budget", "0"}, "-decode-budget (DECODE_BUDGET) 0 is outside 1048576..68719476736"},
		{"unknown flag", nil, []string{"-token", "x"}, "flag provided but not defined: -token (see -h)"},
		{"no grants beyond loopback", map[string]string{"WS_ADDR": ":0"}, nil, `no token grants and listen address ":0" reaches beyond loopback: set WS_AUTH_TOKENS`},
		{"old single token", map[string]string{"WS_AUTH_TOKEN": "0123456789abcdef"}, nil, "WS_AUTH_TOKEN is no longer read (its one token opened every tenant)"},
		{"bad inline grant", map[string]string{"WS_AUTH_TOKENS": "0123456789abcdef acme; short globex"}, nil, "WS_AUTH_TOKENS: bad token grants: entry 2: token of 5 bytes"},
		{"grants and unauthenticated", map[string]string{"WS_AUTH_TOKENS": "0123456789abcdef acme", "WS_UNAUTHENTICATED": "true"}, nil, "WS_UNAUTHENTICATED=true and token grants are both set"},
		{"bad grants file line", map[string]string{"WS_AUTH_TOKENS_FILE": badGrants}, nil, "WS_AUTH_TOKENS_FILE " + badGrants + ": bad token grants: line 3: want \"<token> <tenant>[,<tenant>...]\" (a token, one space, a comma list of tenants without spaces)\n"},
		{"missing grants file", map[string]string{"WS_AUTH_TOKENS_FILE": "/nonexistent/grants"}, nil, "WS_AUTH_TOKENS_FILE: open /nonexistent/grants"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := bintest.Run(t, 20*time.Second, tc.env, bin, tc.args...)
			require.Equal(t, 2, res.Code, "stderr: %s", res.Stderr)
			require.Equal(t, 1, strings.Count(res.Stderr, "\n"), "one line: %q", res.Stderr)
			require.Contains(t, res.Stderr, "dashstream-wsserver: "+tc.want)
		})
	}
	res := bintest.Run(t, 20*time.Second, nil, bin, "-h")
	require.Equal(t, 0, res.Code)
	for _, want := range []string{"WS_AUTH_TOKENS_FILE", "WS_UNAUTHENTICATED", "[1..65536] (env WS_QUEUE_SIZE)", "[100ms..24h0m0s] (env LOG_DEDUP_INTERVAL)"} {
		require.Contains(t, res.Stderr, want)
	}
	numeric := 0
	for _, block := range strings.Split(res.Stderr, "\n  -")[1:] { // every numeric setting shows its range
		head, _, _ := strings.Cut(block, "\n")
		if strings.HasSuffix(head, " duration") || strings.HasSuffix(head, " int") {
			numeric++
			require.Regexp(t, `\[[^\]]*\.\.[^\]]*\] \(env `, block, "a setting without a range in -h: %q", block)
		}
	}
	require.Equal(t, 26, numeric, "every numeric setting is checked")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	res = bintest.Run(t, 20*time.Second, map[string]string{"WS_ADDR": l.Addr().String(), "KAFKA_BROKERS": "127.0.0.1:1"}, bin)
	require.Equal(t, 2, res.Code, res.Stderr)
	require.Contains(t, res.Stderr, "set WS_ADDR to a free address")
}

// proc is the server running as a child process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  bytes.Buffer
	done chan struct{}
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Write(b)
}

func (p *proc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

func startProc(t *testing.T, env map[string]string) *proc {
	t.Helper()
	bin := bintest.Build(t, pkg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proc{addr: l.Addr().String(), done: make(chan struct{})}
	require.NoError(t, l.Close())
	p.cmd = exec.Command(bin)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "WS_ADDR=" + p.addr}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stderr = p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, p.cmd.Start())
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	p.waitHealth(t, 15*time.Second, func(wsserver.Health) bool { return true })
	return p
}

// waitHealth polls /health until cond holds.
func (p *proc) waitHealth(t *testing.T, timeout time.Duration, cond func(wsserver.Health) bool) wsserver.Health {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last wsserver.Health
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if json.Unmarshal(b, &last) == nil && cond(last) {
				cancel()
				return last
			}
		}
		cancel()
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out", "/health within %s; last %+v; log:\n%s", timeout, last, p.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) terminate(t *testing.T, timeout time.Duration) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		require.FailNow(t, "no exit after SIGTERM", "within %s; log:\n%s", timeout, p.logs())
		return -1
	}
}

func TestStreamsATenantAndShutsDownGracefully(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, "dashstream-events", "dashstream-quality")
	grants := filepath.Join(t.TempDir(), "grants")
	require.NoError(t, os.WriteFile(grants, []byte("# token tenants\ntok-0123456789abcdef acme\n"), 0o600))
	p := startProc(t, map[string]string{"KAFKA_BROKERS": strings.Join(addrs, ","), "WS_AUTH_TOKENS_FILE": grants})
	p.waitHealth(t, 15*time.Second, func(h wsserver.Health) bool { return h.Status == wsserver.StatusHealthy })

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+p.addr+"/ws?tenant=acme",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer tok-0123456789abcdef"}}})
	require.NoError(t, err)
	defer c.CloseNow()
	p.waitHealth(t, 5*time.Second, func(h wsserver.Health) bool { return h.Metrics.ConnectedClients == 1 })

	pr, err := producer.New(producer.Brokers(addrs...), producer.Tenant("acme"))
	require.NoError(t, err)
	defer pr.Close()
	_, err = pr.Send(ctx, "t1", &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{}}})
	require.NoError(t, err)
	_, b, err := c.Read(ctx)
	require.NoError(t, err)
	var f wsserver.Frame
	require.NoError(t, json.Unmarshal(b, &f))
	require.Equal(t, "acme", f.Header.TenantID)
	require.Equal(t, "t1", f.Header.ThreadID)

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	_, _, err = c.Read(ctx)
	require.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "clients are told the server goes away: %v", err)
	select {
	case <-p.done:
	case <-ctx.Done():
		t.Fatalf("no exit after SIGTERM; log:\n%s", p.logs())
	}
	require.Equal(t, 0, p.cmd.ProcessState.ExitCode(), p.logs())
	require.Contains(t, p.logs(), "dashstream-wsserver stopped")
}

func TestUnreachableBrokerKeepsRunning(t *testing.T) {
	p := startProc(t, map[string]string{"KAFKA_BROKERS": "kafka.invalid:9092"})
	h := p.waitHealth(t, 10*time.Second, func(h wsserver.Health) bool { return h.Metrics.KafkaErrors > 0 })
	require.Equal(t, wsserver.StatusReconnecting, h.Status)
	require.Equal(t, "disconnected", h.KafkaStatus)
	require.Equal(t, 0, p.terminate(t, 15*time.Second), p.logs())
	require.LessOrEqual(t, strings.Count(p.logs(), "kafka connect failed"), 1, p.logs())
}
