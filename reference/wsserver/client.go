package wsserver

import (
	"sync"

	"github.com/coder/websocket"
)

// outFrame is one frame queued for a client.
type outFrame struct {
	data   []byte
	binary bool
	tsUs   int64 // header timestamp, for the delivery latency
}

// client is one WebSocket subscriber with its bounded queue. push never blocks: when the
// queue is full the oldest frame goes.
type client struct {
	id     uint64
	tenant string
	binary bool
	conn   *websocket.Conn

	mu      sync.Mutex
	buf     []outFrame // ring of cap(queue size)
	head, n int
	drops   int
	closed  bool
	cut     string // why the server disconnects it ("" = it did not)
	wake    chan struct{}
}

func newClient(id uint64, tenant string, binary bool, conn *websocket.Conn, size int) *client {
	return &client{id: id, tenant: tenant, binary: binary, conn: conn, buf: make([]outFrame, size),
		wake: make(chan struct{}, 1)}
}

// push queues f. It returns the number of frames dropped to make room (0 or 1) and
// whether the client has now dropped disconnectAfter frames (> 0) and must be cut off;
// that is reported once.
func (c *client) push(f outFrame, disconnectAfter int) (dropped int, cutNow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.cut != "" {
		return 0, false
	}
	if c.n == len(c.buf) {
		c.buf[c.head] = outFrame{}
		c.head = (c.head + 1) % len(c.buf)
		c.n--
		c.drops++
		dropped = 1
	}
	c.buf[(c.head+c.n)%len(c.buf)] = f
	c.n++
	select {
	case c.wake <- struct{}{}:
	default:
	}
	if disconnectAfter > 0 && c.drops >= disconnectAfter {
		c.cut = "too_slow"
		return dropped, true
	}
	return dropped, false
}

// pop takes the oldest queued frame.
func (c *client) pop() (outFrame, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 || c.closed {
		return outFrame{}, false
	}
	f := c.buf[c.head]
	c.buf[c.head] = outFrame{}
	c.head = (c.head + 1) % len(c.buf)
	c.n--
	return f, true
}

// shut stops the queue and returns the frames still in it.
func (c *client) shut() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	n := c.n
	c.n, c.head = 0, 0
	clear(c.buf)
	return n
}

// cutReason returns why the server cut the client off ("" if it did not).
func (c *client) cutReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut
}

// markCut records why the server disconnects the client unless a reason is set already.
func (c *client) markCut(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut == "" {
		c.cut = reason
	}
}

// hub indexes clients by tenant; safe for concurrent use.
type hub struct {
	mu      sync.RWMutex
	tenants map[string]map[*client]struct{}
	n       int
}

func newHub() *hub { return &hub{tenants: map[string]map[*client]struct{}{}} }

func (h *hub) add(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.tenants[c.tenant]
	if set == nil {
		set = map[*client]struct{}{}
		h.tenants[c.tenant] = set
	}
	set[c] = struct{}{}
	h.n++
}

func (h *hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.tenants[c.tenant]
	if _, ok := set[c]; !ok {
		return
	}
	delete(set, c)
	if len(set) == 0 {
		delete(h.tenants, c.tenant)
	}
	h.n--
}

// of returns the clients of tenant (a copy).
func (h *hub) of(tenant string) []*client {
	h.mu.RLock()
	defer h.mu.RUnlock()
	set := h.tenants[tenant]
	out := make([]*client, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.n
}

// all returns every client (a copy).
func (h *hub) all() []*client {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*client
	for _, set := range h.tenants {
		for c := range set {
			out = append(out, c)
		}
	}
	return out
}
