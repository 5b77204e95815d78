package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/dashstream/acceptance/system/sut"
)

// wsClient is a real WebSocket client of the scenario's server, subscribed to one
// tenant, that keeps every frame it receives, decoded by the harness (wsframes.go), for
// the whole scenario, and notices when it is disconnected.
type wsClient struct {
	tenant string
	binary bool
	// cursorValue: the server sends a cursor text frame, then the record's value as a
	// binary frame (the SUT profile's websocket.frames); topic is the one it serves.
	cursorValue bool
	topic       string
	conn        *websocket.Conn
	cancel      context.CancelFunc
	done        chan struct{}
	pause       atomic.Int64 // time.Duration to wait after each frame: a slow reader

	mu           sync.Mutex
	frames       []wsFrame
	raw          [][]byte // binary frames as received
	disconnected error
	cursor       *wsCursor // the last cursor frame, for the value frame that follows it
	control      []string  // text frames that are not records (cursor+value servers)
}

// wsCursor is where the next value frame of a cursor+value server comes from.
type wsCursor struct {
	partition int32
	offset    int64
}

// wsDial is how a client connects: format, bearer token, Origin header, read pace.
type wsDial struct {
	format string        // "" (json by default), json or binary
	token  string        // Authorization: Bearer <token> when set
	origin string        // Origin header when set
	pause  time.Duration // a slow client waits this long after each frame
	// tinyBuffer gives the connection a 4 KiB receive buffer, so a client that reads
	// slowly backs the server up at once instead of after megabytes of kernel buffering.
	tinyBuffer bool
}

// dialWS connects a client for tenant to the server at addr and starts reading.
func dialWS(ctx context.Context, addr, tenant string) (*wsClient, error) {
	c, _, err := dialWSWith(ctx, addr, tenant, wsDial{})
	return c, err
}

// dialWSWith connects with options; on refusal it returns the HTTP status.
func dialWSWith(ctx context.Context, addr, tenant string, o wsDial) (*wsClient, int, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := wsURL(ctx, addr, tenant)
	if o.format != "" {
		u += "&format=" + url.QueryEscape(o.format)
	}
	h := http.Header{}
	if o.token != "" {
		h.Set("Authorization", "Bearer "+o.token)
	}
	if o.origin != "" {
		h.Set("Origin", o.origin)
	}
	opts := &websocket.DialOptions{HTTPHeader: h}
	if o.tinyBuffer {
		opts.HTTPClient = tinyBufferClient()
	}
	conn, resp, err := websocket.Dial(dctx, u, opts)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		return nil, status, fmt.Errorf("dial websocket for tenant %s (HTTP %d): %w", tenant, status, err)
	}
	conn.SetReadLimit(1 << 20)
	rctx, rcancel := context.WithCancel(context.Background())
	c := &wsClient{tenant: tenant, binary: o.format == "binary", conn: conn, cancel: rcancel, done: make(chan struct{})}
	if w := world(ctx); w.sut.WebSocket.Frames == sut.FramesCursorValue {
		c.cursorValue, c.topic = true, w.topic("events")
	}
	c.pause.Store(int64(o.pause))
	go c.read(rctx)
	return c, status, nil
}

func (c *wsClient) read(ctx context.Context) {
	defer close(c.done)
	for {
		typ, data, err := c.conn.Read(ctx)
		if err != nil {
			c.mu.Lock()
			if ctx.Err() == nil {
				c.disconnected = err
			}
			c.mu.Unlock()
			return
		}
		now := time.Now()
		c.mu.Lock()
		switch {
		case c.cursorValue && typ == websocket.MessageText:
			c.cursorFrame(now, data)
		case c.cursorValue:
			c.raw = append(c.raw, data)
			c.frames = append(c.frames, decodeValueFrame(now, data, c.cursor, c.topic))
			c.cursor = nil
		case typ == websocket.MessageBinary:
			c.raw = append(c.raw, data)
			c.frames = append(c.frames, wsFrame{At: now, Problem: "binary frame"})
		case c.binary:
			c.frames = append(c.frames, wsFrame{At: now, Problem: "text frame on a binary subscription"})
		default:
			c.frames = append(c.frames, decodeFrame(now, data))
		}
		c.mu.Unlock()
		if pause := time.Duration(c.pause.Load()); pause > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
		}
	}
}

// cursorFrame keeps a cursor+value server's cursor for the value frame after it, and
// any other text frame (gap, disconnect, pong, error) as a control frame; text that is
// not JSON is a frame with a Problem.
func (c *wsClient) cursorFrame(now time.Time, data []byte) {
	var ctl struct {
		Type      string  `json:"type"`
		Partition *int32  `json:"partition"`
		Offset    *string `json:"offset"`
	}
	if err := json.Unmarshal(data, &ctl); err != nil {
		c.frames = append(c.frames, wsFrame{At: now, Problem: "text frame that is not JSON: " + err.Error()})
		return
	}
	if ctl.Type != "cursor" {
		c.control = append(c.control, string(data))
		return
	}
	off, err := strconv.ParseInt(deref(ctl.Offset), 10, 64)
	if ctl.Partition == nil || err != nil {
		c.frames = append(c.frames, wsFrame{At: now, Problem: fmt.Sprintf("cursor frame without a partition or a decimal offset: %s", data)})
		return
	}
	c.cursor = &wsCursor{partition: *ctl.Partition, offset: off}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// controlFrames returns the text frames of a cursor+value server that were not records
// (gap, disconnect, pong, error), as received.
func (c *wsClient) controlFrames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.control...)
}

// snapshot returns the frames received so far and the disconnection error, if any.
func (c *wsClient) snapshot() ([]wsFrame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]wsFrame(nil), c.frames...), c.disconnected
}

// quiet watches the client for one settle period and returns its frames at the end, and
// whether none came during it; a disconnected client is an error.
func (c *wsClient) quiet(ctx context.Context) (frames []wsFrame, still bool, err error) {
	before, _ := c.snapshot()
	select {
	case <-ctx.Done():
	case <-time.After(settle):
	}
	after, disc := c.snapshot()
	if disc != nil {
		return after, false, fmt.Errorf("the client was disconnected: %w", disc)
	}
	return after, len(after) == len(before), nil
}

// binaries returns the binary frames received so far.
func (c *wsClient) binaries() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.raw...)
}

// firstAfter returns when the first frame after t arrived.
func (c *wsClient) firstAfter(t time.Time) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.frames {
		if f.At.After(t) {
			return f.At, true
		}
	}
	return time.Time{}, false
}

func (c *wsClient) close() {
	c.cancel()
	_ = c.conn.Close(websocket.StatusNormalClosure, "scenario over")
}

// tinyBufferClient returns an HTTP client whose connections have a 4 KiB receive buffer.
func tinyBufferClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); cerr != nil {
			return cerr
		}
		return err
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
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
	raw, err := readHealth(ctx, addr)
	if err != nil {
		return wsHealth{}, err
	}
	var h wsHealth
	if err := json.Unmarshal(raw, &h); err != nil {
		return wsHealth{}, fmt.Errorf("/health: %w", err)
	}
	h.raw = raw
	return h, nil
}

// readHealth reads the WebSocket server's health at addr in the contract's shape, as the
// scenario's SUT profile reads it (sut.Profile.ReadHealth). ctx must be a scenario's.
func readHealth(ctx context.Context, addr string) (json.RawMessage, error) {
	return world(ctx).sut.ReadHealth(ctx, addr)
}

// wsURL is the WebSocket endpoint of the server at addr for a client of tenant, as the
// scenario's SUT profile says a client picks its tenant (no tenant parameter when the
// implementation has none: then the client gets every tenant's frames).
func wsURL(ctx context.Context, addr, tenant string) string {
	path, query := world(ctx).sut.WebSocket.Path, world(ctx).sut.WebSocket.TenantQuery
	u := "ws://" + addr + path + "?"
	if query != "" {
		u += query + "=" + url.QueryEscape(tenant)
	}
	return u
}
