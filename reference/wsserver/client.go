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

// client is one WebSocket subscriber with its queue, bounded in frames (the ring's size)
// and in bytes (maxBytes). push never blocks: when a frame does not fit, the oldest frames
// go until it does.
type client struct {
	id     uint64
	tenant string
	binary bool
	conn   *websocket.Conn

	mu      sync.Mutex
	buf     []outFrame // ring of cap(queue size)
	head, n int
	bytes   int64 // sum of the queued frames' sizes
	max     int64 // most bytes queued
	drops   int
	closed  bool
	cut     string // why the server disconnects it ("" = it did not)
	wake    chan struct{}
}

func newClient(id uint64, tenant string, binary bool, conn *websocket.Conn, size int, maxBytes int64) *client {
	return &client{id: id, tenant: tenant, binary: binary, conn: conn, buf: make([]outFrame, size),
		max: maxBytes, wake: make(chan struct{}, 1)}
}

// push queues f. It returns the number of frames dropped to make room (the oldest ones,
// or f itself when it alone is larger than the byte bound) and whether the client has now
// dropped disconnectAfter frames (> 0) and must be cut off; that is reported once.
func (c *client) push(f outFrame, disconnectAfter int) (dropped int, cutNow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.cut != "" {
		return 0, false
	}
	size := int64(len(f.data))
	fits := size <= c.max
	if !fits {
		dropped = 1
	}
	for fits && c.n > 0 && (c.n == len(c.buf) || c.bytes+size > c.max) {
		c.bytes -= int64(len(c.buf[c.head].data))
		c.buf[c.head] = outFrame{}
		c.head = (c.head + 1) % len(c.buf)
		c.n--
		dropped++
	}
	c.drops += dropped
	if fits {
		c.buf[(c.head+c.n)%len(c.buf)] = f
		c.n++
		c.bytes += size
	}
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
	c.bytes -= int64(len(f.data))
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
	c.n, c.head, c.bytes = 0, 0, 0
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
