package netfault

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// pipe forwards one accepted client connection to toxiproxy's listener and reports
// what flows through it to the recorder.
type pipe struct {
	client net.Conn
	conn   int
	rec    *recorder

	mu      sync.Mutex
	inner   net.Conn
	aborted bool
}

// drainClient is how long a pipe keeps reading a client after the upstream side ended,
// so the request the client had already sent is still recorded.
const drainClient = 2 * time.Second

// abort closes both sides (Cut, Close).
func (c *pipe) abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.aborted = true
	_ = c.client.Close()
	if c.inner != nil {
		_ = c.inner.Close()
	}
}

// run forwards until either side ends, then closes both and records the close. An
// upstream that ends cleanly, or ends before it answered anything (toxiproxy closing a
// connection it could not forward resets it when the request is unread), half-closes
// the client, which then sees EOF as from a broker that is down; a reset after answers
// resets the client.
func (c *pipe) run(innerAddr string) {
	defer func() {
		c.rec.closed(c.conn, time.Now())
		c.rec.done(c.conn)
	}()
	in, err := net.DialTimeout("tcp", innerAddr, 5*time.Second)
	c.mu.Lock()
	c.inner = in
	aborted := c.aborted
	c.mu.Unlock()
	if err != nil || aborted {
		_ = c.client.Close()
		if in != nil {
			_ = in.Close()
		}
		return
	}
	up := make(chan struct{})
	go func() {
		defer close(up)
		buf := make([]byte, 32<<10)
		failed := false
		for {
			n, err := c.client.Read(buf)
			if n > 0 {
				c.rec.up(c.conn, buf[:n], time.Now())
				if !failed {
					_, werr := in.Write(buf[:n])
					failed = werr != nil
				}
			}
			if err != nil {
				break
			}
		}
		_ = in.Close() // the client is gone: a Kafka client never half-closes
	}()
	buf := make([]byte, 32<<10)
	var rerr error
	answered := false
	for {
		n, err := in.Read(buf)
		if n > 0 {
			answered = true
			c.rec.down(c.conn, buf[:n], time.Now())
			if _, werr := c.client.Write(buf[:n]); werr != nil {
				rerr = werr
				break
			}
		}
		if err != nil {
			rerr = err
			break
		}
	}
	// The client can learn that its connection ended from now on: that is its close.
	c.rec.closed(c.conn, time.Now())
	if tc, ok := c.client.(*net.TCPConn); ok {
		if errors.Is(rerr, io.EOF) || !answered {
			_ = tc.CloseWrite()
			_ = tc.SetReadDeadline(time.Now().Add(drainClient))
		} else {
			_ = tc.SetLinger(0)
			_ = tc.Close()
		}
	}
	<-up
	_ = c.client.Close()
	_ = in.Close()
}
