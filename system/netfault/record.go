package netfault

import (
	"encoding/binary"
	"sync"
	"time"
)

// Conn is one client connection the proxy accepted, as the proxy saw it.
type Conn struct {
	// ID numbers the connections in the order they were accepted, from 1.
	ID       int
	Accepted time.Time
	// Closed is when the proxy ended the connection towards the client (or saw the
	// client end it); zero while it is open.
	Closed time.Time
	// ClientID is the client_id of the first Kafka request header read on it; "" when
	// none was read.
	ClientID string
	// Requests and Responses count the Kafka frames each way.
	Requests, Responses int
	// BytesUp and BytesDown count the bytes from the client and back to it.
	BytesUp, BytesDown int64
}

// Failed reports whether the connection ended without a single response: from its
// client's side, a failed connection attempt.
func (c Conn) Failed() bool { return !c.Closed.IsZero() && c.Responses == 0 }

// Request is one Kafka request the proxy forwarded.
type Request struct {
	Conn     int
	At       time.Time
	Key      int16
	Version  int16
	ClientID string
	// NoTopics is true for a Metadata request that names no topic (franz-go's Ping, a
	// broker-only metadata request).
	NoTopics bool
	// Answered is when the first bytes of its response came back; zero when none did.
	Answered time.Time
}

// maxRequests bounds the requests kept; later ones are counted on their connection only.
const maxRequests = 1 << 18

// headCap is how much of a frame is kept to parse its header.
const headCap = 512

// recorder keeps what every pipe of a proxy saw; safe for concurrent use.
type recorder struct {
	mu      sync.Mutex
	conns   []Conn
	reqs    []Request
	streams map[int]*streams
}

// streams is the framing state of one connection's two directions.
type streams struct {
	up, down frames
	pending  []int // indexes in reqs of requests still waiting for their response
}

func (r *recorder) accepted(at time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := len(r.conns) + 1
	r.conns = append(r.conns, Conn{ID: id, Accepted: at})
	if r.streams == nil {
		r.streams = map[int]*streams{}
	}
	r.streams[id] = &streams{}
	return id
}

func (r *recorder) closed(id int, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := &r.conns[id-1]; c.Closed.IsZero() {
		c.Closed = at
	}
}

// done forgets a connection's framing state once nothing more is read from it.
func (r *recorder) done(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.streams, id)
}

func (r *recorder) up(id int, b []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, s := &r.conns[id-1], r.streams[id]
	c.BytesUp += int64(len(b))
	if s == nil {
		return
	}
	s.up.feed(b, func(head []byte) {
		c.Requests++
		req, ok := parseRequest(head)
		if !ok {
			return
		}
		if c.ClientID == "" {
			c.ClientID = req.ClientID
		}
		if len(r.reqs) < maxRequests {
			req.Conn, req.At = id, at
			s.pending = append(s.pending, len(r.reqs))
			r.reqs = append(r.reqs, req)
		}
	})
}

func (r *recorder) down(id int, b []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, s := &r.conns[id-1], r.streams[id]
	c.BytesDown += int64(len(b))
	if s == nil {
		return
	}
	s.down.feed(b, func([]byte) {
		c.Responses++
		if len(s.pending) > 0 {
			r.reqs[s.pending[0]].Answered = at
			s.pending = s.pending[1:]
		}
	})
}

// Conns returns every connection the proxy accepted so far, in order.
func (p *Proxy) Conns() []Conn {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	return append([]Conn(nil), p.rec.conns...)
}

// Requests returns the Kafka requests the proxy forwarded so far, in order (at most
// the first 262 144).
func (p *Proxy) Requests() []Request {
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	return append([]Request(nil), p.rec.reqs...)
}

// frames splits a Kafka byte stream (int32 size, then size bytes) into frames and hands
// the first headCap bytes of each to a callback once they arrived (or the whole frame
// when shorter). A size that cannot be Kafka stops the parsing.
type frames struct {
	size     [4]byte
	sizeRead int
	left     int // bytes of the current frame still to come
	head     []byte
	want     int // bytes of head wanted
	broken   bool
}

func (f *frames) feed(b []byte, onHead func([]byte)) {
	for len(b) > 0 && !f.broken {
		if f.sizeRead < 4 {
			n := copy(f.size[f.sizeRead:], b)
			f.sizeRead += n
			b = b[n:]
			if f.sizeRead < 4 {
				return
			}
			size := int32(binary.BigEndian.Uint32(f.size[:]))
			if size < 0 || size > 1<<30 {
				f.broken = true
				return
			}
			f.left, f.want, f.head = int(size), min(int(size), headCap), f.head[:0]
			if f.want == 0 {
				onHead(nil)
				f.sizeRead = 0
				continue
			}
		}
		n := min(len(b), f.left)
		if need := f.want - len(f.head); need > 0 {
			f.head = append(f.head, b[:min(n, need)]...)
			if len(f.head) == f.want {
				onHead(f.head)
			}
		}
		f.left -= n
		b = b[n:]
		if f.left == 0 {
			f.sizeRead = 0
		}
	}
}

// metadataKey is the API key of Metadata requests.
const metadataKey = 3

// parseRequest reads the request header (v1 or v2: key, version, correlation id,
// client_id) and, for Metadata, whether it names no topic.
func parseRequest(h []byte) (Request, bool) {
	if len(h) < 10 {
		return Request{}, false
	}
	req := Request{Key: int16(binary.BigEndian.Uint16(h)), Version: int16(binary.BigEndian.Uint16(h[2:]))}
	n := int(int16(binary.BigEndian.Uint16(h[8:])))
	rest := h[10:]
	if n > 0 {
		if len(rest) < n {
			return req, true
		}
		req.ClientID, rest = string(rest[:n]), rest[n:]
	}
	if req.Key != metadataKey {
		return req, true
	}
	if req.Version >= 9 { // flexible: header tagged fields, then a compact array
		if len(rest) < 2 || rest[0] != 0 {
			return req, true
		}
		req.NoTopics = rest[1] == 1 // compact length 0 (+1): an empty array
		return req, true
	}
	if len(rest) >= 4 {
		req.NoTopics = int32(binary.BigEndian.Uint32(rest)) == 0 && req.Version > 0
	}
	return req, true
}
