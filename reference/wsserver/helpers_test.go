package wsserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/reference/wsserver"
)

// running is a server running in the test behind an httptest server.
type running struct {
	S    *wsserver.Server
	URL  string // http://127.0.0.1:port
	Logs *logBuffer
}

// start runs a server with opts (after a capturing logger) until the test ends.
func start(t *testing.T, opts ...wsserver.Opt) *running {
	t.Helper()
	logs := &logBuffer{}
	s, err := wsserver.New(append([]wsserver.Opt{wsserver.Logger(slog.New(slog.NewJSONHandler(logs, nil)))}, opts...)...)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err, "server Run")
		case <-time.After(20 * time.Second):
			t.Error("server Run did not return within 20 s of its context ending")
		}
		s.Close()
		srv.Close()
	})
	return &running{S: s, URL: srv.URL, Logs: logs}
}

// wsURL returns the /ws URL with the query.
func (r *running) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(r.URL, "http") + "/ws?" + query
}

// dial connects a WebSocket client; it fails the test unless the handshake succeeds.
func (r *running) dial(t *testing.T, query string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, r.wsURL(query), opts)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	require.NoError(t, err, "dial %s", query)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// handshake tries a WebSocket handshake and returns the HTTP status and body of a refusal
// (101 when accepted).
func (r *running) handshake(t *testing.T, query string, header http.Header) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, r.wsURL(query), &websocket.DialOptions{HTTPHeader: header})
	if err == nil {
		_ = c.CloseNow()
		return http.StatusSwitchingProtocols, ""
	}
	require.NotNil(t, resp, "a refusal is an HTTP response: %v", err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, string(b)
}

// health fetches /health.
func (r *running) health(t *testing.T) wsserver.Health {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+"/health", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var h wsserver.Health
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	return h
}

// readFrame reads one JSON frame within timeout.
func readFrame(t *testing.T, c *websocket.Conn, timeout time.Duration) wsserver.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	typ, b, err := c.Read(ctx)
	require.NoError(t, err, "read a frame within %s", timeout)
	require.Equal(t, websocket.MessageText, typ)
	var f wsserver.Frame
	require.NoError(t, json.Unmarshal(b, &f), "frame %s", b)
	return f
}

func event() *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "n"}}}
}

// newProducer returns a producer of tenant on addrs, closed when the test ends.
func newProducer(t *testing.T, addrs []string, tenant string) *producer.Producer {
	t.Helper()
	p, err := producer.New(producer.Brokers(addrs...), producer.Tenant(tenant))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// send writes n events on thread and waits for their acks.
func send(t *testing.T, p *producer.Producer, thread string, n int) []producer.Ack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var acks []producer.Ack
	for range n {
		a, err := p.Send(ctx, thread, event())
		require.NoError(t, err)
		acks = append(acks, a)
	}
	return acks
}

// metric returns the value of name with labels (counter, gauge, or histogram count).
func metric(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			return value(m)
		}
	}
	require.FailNow(t, "metric not found", "%s%v", name, labels)
	return 0
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// eventually polls cond every 20 ms until it holds or timeout passes, then fails with what.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out", "%s within %s", what, timeout)
		}
		<-tick.C
	}
}

// freePort returns a loopback port nothing listens on (it was free a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// logBuffer collects JSON log lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// messages returns the "msg" of every line, in order.
func (l *logBuffer) messages(t *testing.T) []string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec struct{ Msg string }
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		out = append(out, rec.Msg)
	}
	return out
}

// waitClients waits until n clients are registered (a handshake returns to the client
// just before the server registers it).
func (r *running) waitClients(t *testing.T, n int) {
	t.Helper()
	eventually(t, 5*time.Second, "connected clients", func() bool {
		return metric(t, r.S.Registry(), wsserver.MetricConnectedClients, nil) == float64(n)
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
