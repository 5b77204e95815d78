package wsload

import (
	"encoding/json"
	"sync/atomic"
	"time"
)

// seqSet is a bitset of the sequences (1, 2, ...) received on one thread.
type seqSet struct {
	bits []uint64
	n    int
}

// add records seq and reports whether it was new.
func (s *seqSet) add(seq uint64) bool {
	w := int(seq / 64)
	for w >= len(s.bits) {
		s.bits = append(s.bits, 0)
	}
	mask := uint64(1) << (seq % 64)
	if s.bits[w]&mask != 0 {
		return false
	}
	s.bits[w] |= mask
	s.n++
	return true
}

func (s *seqSet) has(seq uint64) bool {
	w := int(seq / 64)
	return w < len(s.bits) && s.bits[w]&(uint64(1)<<(seq%64)) != 0
}

// frameHeader is the part of a wsserver JSON frame a client checks.
type frameHeader struct {
	Header struct {
		TimestampUs int64  `json:"timestamp_us"`
		TenantID    string `json:"tenant_id"`
		ThreadID    string `json:"thread_id"`
		Sequence    uint64 `json:"sequence"`
	} `json:"header"`
}

// lagSample is one frame's end-to-end lag, At seconds after the window opened.
type lagSample struct {
	At    float32
	LagMs float32
}

// tracker accounts for the frames one client received. observe is called by the
// client's goroutine only; frames may be read concurrently (atomic).
type tracker struct {
	tenant string
	start  time.Time
	keep   bool // keep lag samples (fast clients)

	frames      atomic.Int64
	threads     map[string]*seqSet
	duplicates  int64
	crossTenant int64
	malformed   int64
	lags        []lagSample
	lastLagMs   float64
	lastAt      time.Time
}

// newTracker returns a tracker; set start before the first observe.
func newTracker(tenant string, keepLags bool) *tracker {
	return &tracker{tenant: tenant, keep: keepLags, threads: map[string]*seqSet{}}
}

// observe accounts for one text frame received at now.
func (t *tracker) observe(data []byte, now time.Time) {
	t.frames.Add(1)
	t.lastAt = now
	var f frameHeader
	if err := json.Unmarshal(data, &f); err != nil || f.Header.ThreadID == "" || f.Header.Sequence == 0 {
		t.malformed++
		return
	}
	if f.Header.TenantID != t.tenant {
		t.crossTenant++
		return
	}
	s := t.threads[f.Header.ThreadID]
	if s == nil {
		s = &seqSet{}
		t.threads[f.Header.ThreadID] = s
	}
	if !s.add(f.Header.Sequence) {
		t.duplicates++
	}
	lag := now.Sub(time.UnixMicro(f.Header.TimestampUs))
	t.lastLagMs = lag.Seconds() * 1000
	if t.keep {
		t.lags = append(t.lags, lagSample{At: float32(now.Sub(t.start).Seconds()), LagMs: float32(lag.Seconds() * 1000)})
	}
}

// missing counts the acknowledged sequences of the client's tenant (thread → sequences)
// it never received.
func (t *tracker) missing(acked map[string][]uint64) int64 {
	var n int64
	for thread, seqs := range acked {
		s := t.threads[thread]
		for _, q := range seqs {
			if s == nil || !s.has(q) {
				n++
			}
		}
	}
	return n
}

// distinct returns how many distinct (thread, sequence) pairs the client received.
func (t *tracker) distinct() int64 {
	var n int64
	for _, s := range t.threads {
		n += int64(s.n)
	}
	return n
}
