package wsload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// Client modes.
const (
	modeFast    = "fast"          // reads every frame at once
	modeSlow    = "one_per_sec"   // reads one frame per second
	modeStalled = "stops_reading" // reads one frame, then nothing
)

// slowRcvBuf is the socket receive buffer of slow clients: small, so the server feels
// their back-pressure within seconds instead of after megabytes of kernel buffers.
const slowRcvBuf = 8 << 10

// wsClient is one WebSocket client of the load.
type wsClient struct {
	id     int
	tenant string
	mode   string
	tr     *tracker
	conn   *websocket.Conn
	port   int // local TCP port, to find the connection in /proc/net/tcp

	// set by read when it ends before the window closes
	endedAt  time.Time
	endErr   error
	endState string
	ended    atomic.Bool // endErr is set (readable while read runs)
}

// transport returns an HTTP client for WebSocket dials: rcvBuf > 0 sets SO_RCVBUF,
// port (when set) receives the local port of the connection.
func transport(rcvBuf int, port *int) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if rcvBuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvBuf)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil && port != nil {
			if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
				*port = a.Port
			}
		}
		return c, err
	}
	return &http.Client{Transport: &http.Transport{DialContext: dial, MaxIdleConnsPerHost: -1}}
}

// dial connects c to the server at base (http://host:port).
func (c *wsClient) dial(ctx context.Context, base string, hc *http.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	u := base + "/ws?tenant=" + url.QueryEscape(c.tenant)
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return fmt.Errorf("dial client %d (%s): %w", c.id, c.mode, err)
	}
	conn.SetReadLimit(1 << 20)
	c.conn = conn
	return nil
}

// read receives frames until ctx ends or the connection does, according to the mode.
func (c *wsClient) read(ctx context.Context) {
	defer c.conn.CloseNow()
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.endedAt, c.endErr = time.Now(), err
				c.endState = describeEnd(err)
				c.ended.Store(true)
			}
			return
		}
		c.tr.observe(data, time.Now())
		switch c.mode {
		case modeSlow:
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		case modeStalled:
			<-ctx.Done()
			return
		}
	}
}

func describeEnd(err error) string {
	if code := websocket.CloseStatus(err); code != -1 {
		return fmt.Sprintf("closed by server: %d %s", int(code), code)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "connection error: " + ne.Error()
	}
	return "connection ended: " + err.Error()
}

// dialAll connects every client, at most par at a time; the first failure is returned
// after every dial ended.
func dialAll(ctx context.Context, base string, clients []*wsClient, par int) error {
	fast := transport(0, nil)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i, c := range clients {
		hc := fast
		if c.mode != modeFast { // a client of its own, to learn its port
			hc = transport(slowRcvBuf, &c.port)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = c.dial(ctx, base, hc)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// makeClients spreads n clients over tenants round-robin; the first slow of them read
// one frame per second (half) or stop reading (the other half).
func makeClients(n, slow int, tenants []string) []*wsClient {
	out := make([]*wsClient, n)
	for i := range n {
		mode := modeFast
		if i < slow {
			mode = modeSlow
			if i%2 == 1 {
				mode = modeStalled
			}
		}
		t := tenants[i%len(tenants)]
		out[i] = &wsClient{id: i, tenant: t, mode: mode, tr: newTracker(t, mode == modeFast)}
	}
	return out
}
