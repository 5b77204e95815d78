package chaos

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Resetter is a TCP listener that accepts every connection, reads the client's first
// request and resets the connection (a close with SO_LINGER 0 sends RST): what a client
// sees of a broker address where nothing speaks Kafka and every connection is refused.
// Unlike a port that never listens, every attempt passes through the harness, which
// records when it came and counts the bytes sent. Waiting for the first request makes
// every connection fail the same way for the client (its read is reset), not at a
// moment that races with its dial. Create it with ResettingListener; Close it.
type Resetter struct {
	l        net.Listener
	log      acceptLog
	received atomic.Int64
	wg       sync.WaitGroup
}

// resetAfter bounds how long a Resetter waits for a client's first bytes.
const resetAfter = 2 * time.Second

// ResettingListener starts a Resetter on a free loopback port.
func ResettingListener() (*Resetter, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("resetting listener: %w", err)
	}
	r := &Resetter{l: l}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Addr returns the host:port the Resetter listens on.
func (r *Resetter) Addr() string { return r.l.Addr().String() }

// Accepted returns how many connections the Resetter accepted (and reset).
func (r *Resetter) Accepted() int64 { return int64(len(r.log.times())) }

// BytesReceived returns how many bytes clients sent before their connections were reset.
func (r *Resetter) BytesReceived() int64 { return r.received.Load() }

// AcceptTimes returns when each connection was accepted, in order.
func (r *Resetter) AcceptTimes() []time.Time { return r.log.times() }

// Close stops listening and waits for the Resetter's goroutine. Safe to call twice.
func (r *Resetter) Close() error {
	err := r.l.Close()
	r.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (r *Resetter) accept() {
	defer r.wg.Done()
	for {
		c, err := r.l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a transient accept error (EMFILE); the listener is still open
		}
		r.log.add(time.Now())
		r.wg.Add(1)
		go r.reset(c)
	}
}

// reset reads what the client sends first (bounded by resetAfter), then resets.
func (r *Resetter) reset(c net.Conn) {
	defer r.wg.Done()
	_ = c.SetReadDeadline(time.Now().Add(resetAfter))
	buf := make([]byte, 4096)
	n, _ := c.Read(buf)
	r.received.Add(int64(n))
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST, not FIN
	}
	_ = c.Close()
}

// acceptLog records when a listener accepted each connection.
type acceptLog struct {
	mu sync.Mutex
	at []time.Time
}

func (a *acceptLog) add(t time.Time) {
	a.mu.Lock()
	a.at = append(a.at, t)
	a.mu.Unlock()
}

func (a *acceptLog) times() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.at...)
}
