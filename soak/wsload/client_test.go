package wsload

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/dashstream/acceptance/soak/internal/measurecmd"
	"github.com/stretchr/testify/require"
)

// fakeServer sends n frames of the requested tenant (plus one of tenant "other" when
// cross is set), then closes with 1008 when cut is set, else waits for the client.
func fakeServer(t *testing.T, n int, cross, cut bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		tenant := r.URL.Query().Get("tenant")
		ctx := r.Context()
		for i := 1; i <= n; i++ {
			if c.Write(ctx, websocket.MessageText, frame(tenant, "t1", uint64(i), time.Now())) != nil {
				return
			}
		}
		if cross {
			_ = c.Write(ctx, websocket.MessageText, frame("other", "t1", 99, time.Now()))
		}
		if cut {
			_ = c.Close(websocket.StatusPolicyViolation, "too slow")
			return
		}
		_, _, _ = c.Read(ctx) // until the client goes
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestClientModes(t *testing.T) {
	tests := []struct {
		name       string
		mode       string
		cross, cut bool
		wantFrames int64
		wantCross  int64
		wantEnd    string
	}{
		{name: "fast reads all", mode: modeFast, wantFrames: 30},
		{name: "fast sees a cross-tenant frame", mode: modeFast, cross: true, wantFrames: 31, wantCross: 1},
		{name: "stalled reads one", mode: modeStalled, wantFrames: 1},
		{name: "slow reads one per second", mode: modeSlow, wantFrames: 2},
		{name: "server cut is recorded", mode: modeFast, cut: true, wantFrames: 30, wantEnd: "closed by server: 1008"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := fakeServer(t, 30, tc.cross, tc.cut)
			c := &wsClient{id: 1, tenant: "a", mode: tc.mode, tr: newTracker("a", tc.mode == modeFast)}
			c.tr.start = time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, dialAll(ctx, base, []*wsClient{c}, 1))
			rctx, stop := context.WithTimeout(ctx, 1500*time.Millisecond)
			defer stop()
			c.read(rctx)
			require.Equal(t, tc.wantFrames, c.tr.frames.Load())
			require.Equal(t, tc.wantCross, c.tr.crossTenant)
			if tc.wantEnd == "" {
				require.False(t, c.ended.Load(), c.endState)
			} else {
				require.True(t, c.ended.Load())
				require.Contains(t, c.endState, tc.wantEnd)
			}
		})
	}
}

func TestDialAllReportsFailures(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	cs := makeClients(3, 1, []string{"a"})
	err := dialAll(context.Background(), srv.URL, cs, 2)
	require.ErrorContains(t, err, "dial client")
}

func TestWriteJSONHeadline(t *testing.T) {
	r := good()
	r.Delivery.CrossTenant, r.Lag.P99 = 0, 42
	evaluate(r)
	path := filepath.Join(t.TempDir(), "w.json")
	require.NoError(t, measurecmd.WriteJSON(path, r))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, true, m["ok"])
	require.Equal(t, 42.0, m["fast_lag_p99_ms"])
	require.Contains(t, m, "cross_tenant_frames")
}
