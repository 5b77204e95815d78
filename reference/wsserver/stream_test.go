package wsserver_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wsserver"
)

// TestDocListsEveryMetric keeps the package doc, the contract, in step with the code.
func TestDocListsEveryMetric(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	documented := regexp.MustCompile(`dashstream_[a-z0-9_]+`).FindAllString(string(doc), -1)
	s, err := wsserver.New(wsserver.Brokers("127.0.0.1:1"))
	require.NoError(t, err)
	t.Cleanup(s.Close)
	families, err := s.Registry().Gather()
	require.NoError(t, err)
	n := 0
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "dashstream_") {
			n++
			require.Contains(t, documented, f.GetName(), "doc.go lists every exported metric")
		}
	}
	require.GreaterOrEqual(t, n, 15)
}

func TestTenantIsolation(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 3, consumer.DefaultTopic)
	r := start(t, wsserver.Brokers(addrs...), wsserver.Topics(consumer.DefaultTopic))
	acme1 := r.dial(t, "tenant=acme", nil)
	acme2 := r.dial(t, "tenant=acme&format=json", nil)
	globex := r.dial(t, "tenant=globex", nil)
	r.waitClients(t, 3)

	pa, pg := newProducer(t, addrs, "acme"), newProducer(t, addrs, "globex")
	for range 5 { // interleaved on one topic, several threads and partitions
		send(t, pa, "a1", 1)
		send(t, pg, "g1", 1)
		send(t, pa, "a2", 1)
	}
	// A last record per tenant marks the end: whatever a client got before it is all.
	send(t, pa, "end", 1)
	send(t, pg, "end", 1)

	for _, tc := range []struct {
		name   string
		conn   *websocket.Conn
		tenant string
		want   map[string]int
	}{
		{"acme 1", acme1, "acme", map[string]int{"a1": 5, "a2": 5, "end": 1}},
		{"acme 2", acme2, "acme", map[string]int{"a1": 5, "a2": 5, "end": 1}},
		{"globex", globex, "globex", map[string]int{"g1": 5, "end": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			total := 0
			for _, n := range tc.want {
				total += n
			}
			got := map[string]int{}
			for range total {
				f := readFrame(t, tc.conn, 10*time.Second)
				require.Equal(t, tc.tenant, f.Header.TenantID, "never another tenant's record")
				require.Equal(t, "event", f.Type)
				require.Equal(t, "event", f.Header.Type)
				require.Equal(t, consumer.DefaultTopic, f.Topic)
				require.Len(t, f.Header.MessageID, 36, "a UUID")
				require.Positive(t, f.Header.TimestampUs)
				got[f.Header.ThreadID]++
				require.Equal(t, uint64(got[f.Header.ThreadID]), f.Header.Sequence, "in thread order")
			}
			require.Equal(t, tc.want, got)
		})
	}
	require.Equal(t, 2*11.0+6, metric(t, r.S.Registry(), wsserver.MetricFramesSent, map[string]string{"format": "json"}))
	require.Equal(t, 28.0, metric(t, r.S.Registry(), wsserver.MetricE2ELatency, nil), "one observation per frame")
}

func TestBinaryFramesAreTheKafkaValue(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, consumer.DefaultTopic)
	r := start(t, wsserver.Brokers(addrs...), wsserver.Topics(consumer.DefaultTopic))
	c := r.dial(t, "tenant=acme&format=binary", nil)
	r.waitClients(t, 1)
	send(t, newProducer(t, addrs, "acme"), "t", 3)

	onKafka := kfaketest.ReadN(t, addrs, consumer.DefaultTopic, 3, 10*time.Second)
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		typ, b, err := c.Read(ctx)
		cancel()
		require.NoError(t, err)
		require.Equal(t, websocket.MessageBinary, typ)
		require.Equal(t, onKafka[i].Value, b, "byte for byte")
		msg, err := wire.NewDecoder().Decode(b)
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), wire.HeaderOf(msg).GetSequence())
	}
}

func TestOversizedInboundFrameRejected(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, consumer.DefaultTopic)
	r := start(t, wsserver.Brokers(addrs...), wsserver.Topics(consumer.DefaultTopic), wsserver.ReadLimit(64))
	c := r.dial(t, "tenant=acme", nil)
	r.waitClients(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte("small messages are read and ignored")))
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 1000))))
	_, _, err := c.Read(ctx)
	require.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err), "closed with 1009: %v", err)
	eventually(t, 5*time.Second, "disconnect counted", func() bool {
		return metric(t, r.S.Registry(), wsserver.MetricDisconnects, map[string]string{"reason": wsserver.DisconnectTooBig}) == 1
	})
	r.waitClients(t, 0)
}

func TestTokenGrantsAndOrigin(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, consumer.DefaultTopic)
	const tok, ops = "s3cret-0123456789", "operator-0123456789"
	r := start(t, wsserver.Brokers(addrs...), wsserver.Topics(consumer.DefaultTopic),
		wsserver.TokenGrants(wsserver.Grants{tok: {"acme", "globex"}, ops: {wsserver.AllTenants}}),
		wsserver.AllowedOrigins("*.example.com", "https://dash.example.org"))
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	with := func(h http.Header, k, v string) http.Header { h = h.Clone(); h.Set(k, v); return h }
	for _, tc := range []struct {
		name   string
		query  string
		header http.Header
		code   int
		body   string
		reason string
	}{
		{"no token", "tenant=acme", nil, 401, "bearer token", wsserver.RejectUnauthorized},
		{"wrong token", "tenant=acme", bearer("nope"), 401, "bearer token", wsserver.RejectUnauthorized},
		{"wrong scheme", "tenant=acme", http.Header{"Authorization": {"Basic " + tok}}, 401, "", wsserver.RejectUnauthorized},
		{"token header", "tenant=acme", bearer(tok), 101, "", ""},
		{"token query", "tenant=acme&token=" + tok, nil, 101, "", ""},
		{"second granted tenant", "tenant=globex", bearer(tok), 101, "", ""},
		{"tenant not granted", "tenant=initech", bearer(tok), 403, `not granted tenant "initech"`, wsserver.RejectTenant},
		{"all-tenants grant", "tenant=initech", bearer(ops), 101, "", ""},
		{"prefix of a token", "tenant=acme", bearer("s3cret-012345678"), 401, "bearer token", wsserver.RejectUnauthorized},
		{"own host as origin", "tenant=acme", with(bearer(tok), "Origin", r.URL), 403, "not allowed", wsserver.RejectOrigin},
		{"allowed origin pattern", "tenant=acme", with(bearer(tok), "Origin", "https://app.example.com"), 101, "", ""},
		{"allowed origin with scheme", "tenant=acme", with(bearer(tok), "Origin", "https://dash.example.org"), 101, "", ""},
		{"same scheme required", "tenant=acme", with(bearer(tok), "Origin", "http://dash.example.org"), 403, "not allowed", wsserver.RejectOrigin},
		{"foreign origin", "tenant=acme", with(bearer(tok), "Origin", "https://evil.test"), 403, "WS_ALLOWED_ORIGINS", wsserver.RejectOrigin},
		{"no tenant", "", bearer(tok), 400, "tenant", wsserver.RejectBadRequest},
		{"bad tenant", "tenant=a/b", bearer(tok), 400, "tenant", wsserver.RejectBadRequest},
		{"bad format", "tenant=acme&format=xml", bearer(tok), 400, "json (default) or binary", wsserver.RejectBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := 0.0
			if tc.reason != "" {
				before = metric(t, r.S.Registry(), wsserver.MetricRejected, map[string]string{"reason": tc.reason})
			}
			code, body := r.handshake(t, tc.query, tc.header)
			require.Equal(t, tc.code, code, body)
			require.Contains(t, body, tc.body)
			if tc.reason != "" {
				require.Equal(t, before+1, metric(t, r.S.Registry(), wsserver.MetricRejected, map[string]string{"reason": tc.reason}))
			}
		})
	}
}
