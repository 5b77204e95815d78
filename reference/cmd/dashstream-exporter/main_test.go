package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/internal/bintest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
)

func TestMain(m *testing.M) { bintest.Main(m) }

const pkg = "github.com/dashstream/acceptance/reference/cmd/dashstream-exporter"

func TestBadConfigExits2WithOneLine(t *testing.T) {
	bin := bintest.Build(t, pkg)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad metrics addr", map[string]string{"METRICS_ADDR": "8080"}, nil, `metrics address "8080" is not host:port`},
		{"broker without port", map[string]string{"KAFKA_BROKERS": "kafka"}, nil, `broker "kafka" is not host:port`},
		{"broker bad port", nil, []string{"-brokers", "kafka:99999"}, `broker "kafka:99999" is not host:port`},
		{"no topics", map[string]string{"KAFKA_TOPICS": " , "}, nil, "no topics"},
		{"env duration", map[string]string{"LAG_INTERVAL": "often"}, nil, `LAG_INTERVAL="often" is not a duration`},
		{"negative duration", nil, []string{"-lag-interval", "-1s"}, "lag interval (LAG_INTERVAL, -lag-interval) -1s is out of range: use 100ms to 1h"},
		{"busy-loop lag interval", map[string]string{"LAG_INTERVAL": "1ns"}, nil, "LAG_INTERVAL, -lag-interval) 1ns is out of range"},
		{"busy-loop dedup", map[string]string{"LOG_DEDUP_INTERVAL": "1ns"}, nil, "LOG_DEDUP_INTERVAL, -log-dedup-interval) 1ns is out of range"},
		{"busy-loop flush", nil, []string{"-log-flush-interval", "1ms"}, "log flush interval (LOG_FLUSH_INTERVAL, -log-flush-interval) 1ms is out of range: use 1s to 24h"},
		{"series cap overflow", nil, []string{"-quality-max-series", "4611686018427387904"}, "quality max series (QUALITY_MAX_SERIES, -quality-max-series) 4611686018427387904 is out of range"},
		{"tenant cap zero", map[string]string{"MAX_TENANTS": "0"}, nil, "max tenants (MAX_TENANTS, -max-tenants) 0 is out of range: use 1 to 100000"},
		{"backoff order", nil, []string{"-backoff-min", "1m", "-backoff-max", "1s"}, "backoff min 1m0s is above backoff max 1s"},
		{"decode budget above its range", map[string]string{"DECODE_BUDGET": "68719476737"}, nil, "decode budget (DECODE_BUDGET, -decode-budget) 68719476737 is out of range: use 1048576 to 68719476736"},
		{"unknown flag", nil, []string{"-nope"}, "flag provided but not defined: -nope (see -h)"},
		{"argument", nil, []string{"extra"}, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := bintest.Run(t, 20*time.Second, tc.env, bin, tc.args...)
			require.Equal(t, 2, res.Code, "stderr: %s", res.Stderr)
			require.Equal(t, 1, strings.Count(res.Stderr, "\n"), "one line: %q", res.Stderr)
			require.Contains(t, res.Stderr, "dashstream-exporter: ")
			require.Contains(t, res.Stderr, tc.want)
		})
	}
	res := bintest.Run(t, 20*time.Second, nil, bin, "-h")
	require.Equal(t, 0, res.Code)
	require.Contains(t, res.Stderr, "METRICS_ADDR")
	require.Contains(t, res.Stderr, "100ms to 1h", "-h documents the ranges")
}

func TestAddressInUseExits2(t *testing.T) {
	bin := bintest.Build(t, pkg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	res := bintest.Run(t, 20*time.Second, map[string]string{"METRICS_ADDR": l.Addr().String(), "KAFKA_BROKERS": "127.0.0.1:1"}, bin)
	require.Equal(t, 2, res.Code, res.Stderr)
	require.Contains(t, res.Stderr, "set METRICS_ADDR to a free address")
}

// proc is the exporter running as a child process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

func startProc(t *testing.T, env map[string]string) *proc {
	t.Helper()
	bin := bintest.Build(t, pkg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	p := &proc{url: "http://" + addr, done: make(chan error, 1)}
	p.cmd = exec.Command(bin)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "METRICS_ADDR=" + addr}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stderr = p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	p.waitStatus(t, "/healthz", 200, 15*time.Second)
	return p
}

func (p *proc) get(path string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *proc) waitStatus(t *testing.T, path string, code int, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, body := p.get(path)
		if got == code {
			return body
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out", "%s did not answer %d within %s (last %d %q); log:\n%s", path, code, timeout, got, body, p.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitMetric waits until /metrics holds the line.
func (p *proc) waitMetric(t *testing.T, line string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if code, body := p.get("/metrics"); code == 200 && strings.Contains(body, line+"\n") {
			return
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out", "/metrics has no line %q after %s", line, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// terminate sends SIGTERM and returns the exit code; the exit must come within timeout.
func (p *proc) terminate(t *testing.T, timeout time.Duration) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
		p.done <- nil // for the cleanup
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		require.FailNow(t, "no exit after SIGTERM", "within %s; log:\n%s", timeout, p.log())
		return -1
	}
}

func TestServesMetricsAndStopsOnSIGTERM(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, "dashstream-events", "dashstream-quality")
	p := startProc(t, map[string]string{"KAFKA_BROKERS": strings.Join(addrs, ","), "LAG_INTERVAL": "100ms"})
	p.waitStatus(t, "/readyz", 200, 15*time.Second)
	for _, m := range []string{"dashstream_messages_received_total 0", "dashstream_sequence_gaps_total 0",
		"dashstream_exporter_kafka_connected 1", `dashstream_consumer_lag_records{group="",partition="0",topic="dashstream-events"} 0`} {
		p.waitMetric(t, m, 10*time.Second)
	}
	require.Equal(t, 0, p.terminate(t, 10*time.Second), p.log())
	require.Contains(t, p.log(), "dashstream-exporter stopped")
}

func TestUnreachableBrokerIsNotReadyButAlive(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refusing := l.Addr().String()
	require.NoError(t, l.Close())
	p := startProc(t, map[string]string{"KAFKA_BROKERS": refusing})
	body := p.waitStatus(t, "/readyz", 503, 5*time.Second)
	require.Contains(t, body, "kafka has not answered a metadata request yet (brokers ["+refusing+"]")
	p.waitStatus(t, "/healthz", 200, time.Second)
	require.Equal(t, 0, p.terminate(t, 10*time.Second), p.log())
	require.Equal(t, 1, strings.Count(p.log(), "kafka connect failed"), "one line per distinct error:\n%s", p.log())
}
