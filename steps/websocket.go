package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsClient is a real WebSocket client of the scenario's server, subscribed to one
// tenant, that keeps every frame it receives and notices when it is disconnected.
type wsClient struct {
	tenant string
	conn   *websocket.Conn
	cancel context.CancelFunc

	mu           sync.Mutex
	frames       []wsFrame
	arrived      []time.Time // when each frame arrived
	disconnected error
}

// wsFrame is the part of a JSON frame the steps check.
type wsFrame struct {
	Header struct {
		TenantID string `json:"tenant_id"`
		ThreadID string `json:"thread_id"`
		Sequence uint64 `json:"sequence"`
	} `json:"header"`
}

// dialWS connects a client for tenant to the server at addr and starts reading.
func dialWS(ctx context.Context, addr, tenant string) (*wsClient, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, "ws://"+addr+"/ws?tenant="+tenant, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return nil, fmt.Errorf("dial websocket for tenant %s (HTTP %d): %w", tenant, status, err)
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("dial websocket: HTTP %d", resp.StatusCode)
	}
	conn.SetReadLimit(1 << 20)
	rctx, rcancel := context.WithCancel(context.Background())
	c := &wsClient{tenant: tenant, conn: conn, cancel: rcancel}
	go c.read(rctx)
	return c, nil
}

func (c *wsClient) read(ctx context.Context) {
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			c.mu.Lock()
			if ctx.Err() == nil {
				c.disconnected = err
			}
			c.mu.Unlock()
			return
		}
		var f wsFrame
		if json.Unmarshal(data, &f) == nil {
			c.mu.Lock()
			c.frames = append(c.frames, f)
			c.arrived = append(c.arrived, time.Now())
			c.mu.Unlock()
		}
	}
}

// snapshot returns the frames received so far and the disconnection error, if any.
func (c *wsClient) snapshot() ([]wsFrame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]wsFrame(nil), c.frames...), c.disconnected
}

// firstAfter returns when the first frame after t arrived.
func (c *wsClient) firstAfter(t time.Time) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, at := range c.arrived {
		if at.After(t) {
			return at, true
		}
	}
	return time.Time{}, false
}

func (c *wsClient) close() {
	c.cancel()
	_ = c.conn.Close(websocket.StatusNormalClosure, "scenario over")
}

// wsHealth is the part of the server's /health JSON the steps check.
type wsHealth struct {
	Status      string   `json:"status"`
	Reasons     []string `json:"reasons"`
	KafkaStatus string   `json:"kafka_status"`
	Breaker     struct {
		State string `json:"state"`
	} `json:"circuit_breaker"`
	Metrics struct {
		RecentKafkaErrors          uint64 `json:"recent_kafka_errors"`
		RecentInfrastructureErrors uint64 `json:"recent_infrastructure_errors"`
		RecentDecodeErrors         uint64 `json:"recent_decode_errors"`
		KafkaErrors                uint64 `json:"kafka_errors"`
		ConnectedClients           int    `json:"connected_clients"`
	} `json:"metrics"`
	raw json.RawMessage
}

func getHealth(ctx context.Context, addr string) (wsHealth, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/health", nil)
	if err != nil {
		return wsHealth{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return wsHealth{}, err
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return wsHealth{}, fmt.Errorf("/health: %w", err)
	}
	var h wsHealth
	if err := json.Unmarshal(raw, &h); err != nil {
		return wsHealth{}, fmt.Errorf("/health: %w", err)
	}
	h.raw = raw
	return h, nil
}
