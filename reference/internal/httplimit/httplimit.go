package httplimit

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Limits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 16 << 10
	DefaultMaxConnections    = 1024
)

// Limits are an HTTP server's bounds. Zero fields take the defaults.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response (from the end of the headers' read).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that waits longer for its next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's headers (the server answers 431 above).
	MaxHeaderBytes int
	// MaxConnections caps the connections open at once (Listener).
	MaxConnections int
}

func (l Limits) withDefaults() Limits {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	set(&l.ReadTimeout, DefaultReadTimeout)
	set(&l.WriteTimeout, DefaultWriteTimeout)
	set(&l.IdleTimeout, DefaultIdleTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	return l
}

// Server returns an http.Server for h with every timeout and the header limit of l.
func Server(h http.Handler, l Limits) *http.Server {
	l = l.withDefaults()
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes}
}

// refusal is written to a connection past the cap.
const refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Connection: close\r\nContent-Length: 27\r\n\r\ntoo many connections, retry"

// Listener wraps ln so at most l.MaxConnections connections are open at once. A
// connection past the cap gets a 503 and is closed at once; onRefuse (may be nil) is
// called for each, before the 503 is written.
func Listener(ln net.Listener, l Limits, onRefuse func()) net.Listener {
	return &capListener{Listener: ln, max: int64(l.withDefaults().MaxConnections), onRefuse: onRefuse}
}

type capListener struct {
	net.Listener
	max      int64
	open     atomic.Int64
	onRefuse func()
}

// Accept returns the next connection under the cap, refusing those past it.
func (cl *capListener) Accept() (net.Conn, error) {
	for {
		c, err := cl.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if cl.open.Add(1) > cl.max {
			cl.open.Add(-1)
			cl.refuse(c)
			continue
		}
		return &countedConn{Conn: c, l: cl}, nil
	}
}

// refuse counts the refusal before the client can see it, so a counter read after a
// 503 already includes it, then answers and closes c.
func (cl *capListener) refuse(c net.Conn) {
	if cl.onRefuse != nil {
		cl.onRefuse()
	}
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = c.Write([]byte(refusal))
	_ = c.Close()
}

type countedConn struct {
	net.Conn
	l    *capListener
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
