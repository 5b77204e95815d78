package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
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

// Refuser holds a loopback port bound to a socket that never listens: connecting to it is
// refused at once (the kernel answers with a reset), and no other process can take the
// port while it is held, so it keeps refusing for as long as a scenario needs. Close
// releases it. Create it with RefusingPort.
type Refuser struct {
	fd   int
	addr string
	once sync.Once
}

// RefusingPort reserves a loopback port on which connections are refused.
func RefusingPort() (*Refuser, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("refusing port: socket: %w", err)
	}
	// No SO_REUSEADDR: nobody else can bind the port, listening or not.
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("refusing port: bind: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("refusing port: %w", err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	return &Refuser{fd: fd, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}, nil
}

// Addr is the refusing address (127.0.0.1:port).
func (r *Refuser) Addr() string { return r.addr }

// Close releases the port. Safe to call twice.
func (r *Refuser) Close() error {
	var err error
	r.once.Do(func() { err = syscall.Close(r.fd) })
	return err
}

// Hang is a TCP listener that accepts connections and never answers: what a client sees
// of a broker whose process hangs, or of a wrong port that accepts. It reads and counts
// whatever clients send. Create it with HangingListener; Close it.
type Hang struct {
	l        net.Listener
	accepted atomic.Int64
	received atomic.Int64
	log      acceptLog

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

// AcceptTimes returns when each connection was accepted, in order.
func (h *Hang) AcceptTimes() []time.Time { return h.log.times() }

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
		h.log.add(time.Now())
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
