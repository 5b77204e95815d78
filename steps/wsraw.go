package steps

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// rawWS is a WebSocket handshake made byte by byte on a TCP connection the harness owns,
// so it sees everything the server sends after the response (a refused client must get
// no frame) and can stay silent (it never answers a ping). It decodes the frame headers
// the server sends (RFC 6455 5.2; server frames are unmasked) and notes when the server
// closes the connection.
type rawWS struct {
	conn   net.Conn
	br     *bufio.Reader
	status int
	gotAt  time.Time // when the handshake response was read

	mu      sync.Mutex
	after   int       // bytes received after the handshake response (and its body)
	opcodes []byte    // opcodes of the frames received after a 101
	closed  time.Time // when the server ended the connection (zero while open)
	done    chan struct{}
}

// rawHandshake sends a WebSocket upgrade for tenant with the given headers and reads the
// response; the connection is then read in the background until it ends or close.
func rawHandshake(ctx context.Context, addr, tenant string, header http.Header) (*rawWS, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/ws?tenant="+url.QueryEscape(tenant), nil)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("handshake request: %w", err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key))
	req.Header.Set("Sec-WebSocket-Version", "13")
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := req.Write(conn); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("send handshake: %w", err)
	}
	r := &rawWS{conn: conn, br: bufio.NewReader(conn), done: make(chan struct{})}
	resp, err := http.ReadResponse(r.br, req)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("read handshake response: %w", err)
	}
	r.status, r.gotAt = resp.StatusCode, time.Now()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	_ = resp.Body.Close()
	_ = conn.SetDeadline(time.Time{})
	go r.read()
	return r, nil
}

// read records every byte and frame the server sends until the connection ends.
func (r *rawWS) read() {
	defer close(r.done)
	upgraded := r.status == http.StatusSwitchingProtocols
	for {
		var err error
		if upgraded {
			err = r.frame()
		} else {
			if _, err = r.br.ReadByte(); err == nil {
				r.mu.Lock()
				r.after++
				r.mu.Unlock()
			}
		}
		if err != nil {
			r.mu.Lock()
			r.closed = time.Now()
			r.mu.Unlock()
			return
		}
	}
}

// frame reads one frame's header and skips its payload.
func (r *rawWS) frame() error {
	var h [2]byte
	if _, err := io.ReadFull(r.br, h[:]); err != nil {
		return err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r.br, b[:]); err != nil {
			return err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r.br, b[:]); err != nil {
			return err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if h[1]&0x80 != 0 {
		return errors.New("the server sent a masked frame")
	}
	if _, err := io.CopyN(io.Discard, r.br, int64(n)); err != nil {
		return err
	}
	r.mu.Lock()
	r.opcodes = append(r.opcodes, h[0]&0x0f)
	r.after += 2 + int(n)
	r.mu.Unlock()
	return nil
}

// snapshot returns the bytes and frame opcodes received after the response, and when
// the server closed the connection (zero while it is open).
func (r *rawWS) snapshot() (after int, opcodes []byte, closed time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.after, append([]byte(nil), r.opcodes...), r.closed
}

// close ends the connection and waits for the reader.
func (r *rawWS) close() {
	_ = r.conn.Close()
	<-r.done
}

// opPing is the WebSocket ping opcode.
const opPing = 0x9
