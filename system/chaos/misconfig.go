package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// unresolvableHost has an empty label (".."): Go's resolver rejects it as an invalid
// domain name before sending any query (net.isDomainName), glibc's getaddrinfo (the cgo
// resolver, librdkafka) opens no DNS socket for it either (checked with strace; a valid
// name such as "dashstream-broker.invalid" is sent to port 53), and the reserved .invalid
// top-level domain (RFC 6761) would stop a resolver that let it through.
const unresolvableHost = "dashstream-broker..invalid"

// UnresolvableAddr returns a broker address whose host name cannot be resolved, and whose
// resolution fails on this machine without a DNS query leaving it:
// "dashstream-broker..invalid:9092".
func UnresolvableAddr() string { return net.JoinHostPort(unresolvableHost, "9092") }

// RefusingAddr returns a loopback address on which nothing listens, so connecting is
// refused at once: a port that was bound and closed again. Another process may bind it
// later, so use it at once.
func RefusingAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("refusing address: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("refusing address: %w", err)
	}
	return addr, nil
}

// Hang is a TCP listener that accepts connections and never answers: what a client sees
// of a broker whose process hangs, or of a wrong port that accepts. It reads and counts
// whatever clients send. Create it with HangingListener; Close it.
type Hang struct {
	l        net.Listener
	accepted atomic.Int64
	received atomic.Int64

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closed  bool
	changed chan struct{}
	wg      sync.WaitGroup
}

// HangingListener starts a Hang on a free loopback port.
func HangingListener() (*Hang, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("hanging listener: %w", err)
	}
	h := &Hang{l: l, conns: map[net.Conn]struct{}{}, changed: make(chan struct{})}
	h.wg.Add(1)
	go h.accept()
	return h, nil
}

// Addr returns the host:port the Hang listens on.
func (h *Hang) Addr() string { return h.l.Addr().String() }

// Accepted returns how many connections the Hang accepted.
func (h *Hang) Accepted() int64 { return h.accepted.Load() }

// BytesReceived returns how many bytes clients sent, over all connections.
func (h *Hang) BytesReceived() int64 { return h.received.Load() }

// WaitAccepted waits until the Hang accepted at least n connections, bounded by ctx.
func (h *Hang) WaitAccepted(ctx context.Context, n int64) error {
	for {
		h.mu.Lock()
		changed := h.changed
		h.mu.Unlock()
		if got := h.Accepted(); got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hanging listener %s: %d of %d connections accepted: %w", h.Addr(), h.Accepted(), n, ctx.Err())
		case <-changed:
		}
	}
}

// Close stops listening, closes every accepted connection and waits for the Hang's
// goroutines. Safe to call twice.
func (h *Hang) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	err := h.l.Close()
	for c := range h.conns {
		_ = c.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
	return err
}

func (h *Hang) accept() {
	defer h.wg.Done()
	for {
		c, err := h.l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a transient accept error (EMFILE); the listener is still open
		}
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			_ = c.Close()
			return
		}
		h.conns[c] = struct{}{}
		h.accepted.Add(1)
		close(h.changed)
		h.changed = make(chan struct{})
		h.wg.Add(1)
		h.mu.Unlock()
		go h.drain(c)
	}
}

// drain reads and counts what the client sends until the connection closes; it never
// writes.
func (h *Hang) drain(c net.Conn) {
	defer h.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		h.received.Add(int64(n))
		if err != nil { // EOF, a reset by the client, or Close
			break
		}
	}
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	_ = c.Close()
}
