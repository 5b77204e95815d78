package sequence

import "hash/maphash"

// windowSize is how many sequences below a thread's highest one are remembered as seen or
// not; further below, a sequence is reported as Duplicate.
const windowSize = 64

// none marks the end of the LRU list.
const none int32 = -1

// Validator checks per-(tenant, thread) sequence numbers. The zero value is not usable;
// call NewValidator. A Validator is NOT safe for concurrent use: callers serialise Observe
// (one Validator per poll loop, or a mutex around it).
type Validator struct {
	seed      maphash.Seed
	tenant    string // last tenant hashed, and its hash: most messages share a tenant
	tenantH   uint64
	index     index // key hash -> slot
	slots     []slot
	head      int32 // most recently seen slot, or none
	tail      int32 // least recently seen slot (next to evict), or none
	max       int
	evictions uint64
}

// slot is one tracked thread: 32 bytes, with its place in the LRU list.
type slot struct {
	hash   uint64 // key in index, to delete it on eviction
	last   uint64 // highest sequence seen
	window uint64 // bit i set: sequence last-1-i was seen
	prev   int32  // towards head (more recent)
	next   int32  // towards tail (less recent)
}

// NewValidator returns an empty Validator configured by opts.
func NewValidator(opts ...Opt) *Validator {
	c := defaults()
	for _, o := range opts {
		o.apply(&c)
	}
	v := &Validator{
		head: none,
		tail: none,
		max:  c.maxThreads,
	}
	v.seed = maphash.MakeSeed()
	v.tenantH = maphash.String(v.seed, "")
	return v
}

// Observe records that thread of tenant carried sequence seq and returns the verdict
// (see the package doc). It allocates only when the tracked set grows past its previous
// high-water mark (amortised slot and index growth), never in steady state.
func (v *Validator) Observe(tenant, thread string, seq uint64) Result {
	if seq == 0 {
		return Result{Verdict: Zero}
	}
	k := v.key(tenant, thread)
	i := v.index.find(k, v.slots)
	if i == none {
		v.insert(k, seq)
		return Result{Verdict: First, Received: seq}
	}
	v.touch(i)
	return v.slots[i].observe(seq)
}

// Tracked returns how many threads are tracked now (at most the MaxThreads cap).
func (v *Validator) Tracked() int { return v.index.n }

// Evictions returns how many threads were evicted to respect the MaxThreads cap, all-time.
func (v *Validator) Evictions() uint64 { return v.evictions }

// key hashes tenant and thread with the validator's seed: the thread's hash xor the
// tenant's hash times an odd constant. Within a tenant it is a bijection of the thread's
// hash; across tenants two keys collide with probability about 2^-64 (see the package
// doc). Hashing the two strings apart needs no separator, so no tenant/thread split can
// alias another. The last tenant's hash is cached: most messages share a tenant.
func (v *Validator) key(tenant, thread string) uint64 {
	if tenant != v.tenant {
		v.tenant, v.tenantH = tenant, maphash.String(v.seed, tenant)
	}
	return maphash.String(v.seed, thread) ^ v.tenantH*0x9e3779b97f4a7c15
}

// observe applies seq to a tracked thread.
func (s *slot) observe(seq uint64) Result {
	r := Result{Expected: s.last + 1, Received: seq}
	switch {
	case seq == r.Expected:
		s.window = s.window<<1 | 1
		s.last = seq
		r.Verdict = OK
	case seq > s.last:
		// d >= 2; shifts of 64 or more yield 0 in Go, which empties the window.
		d := seq - s.last
		s.window = s.window<<d | 1<<(d-1)
		s.last = seq
		r.Verdict = Gap
	default:
		behind := s.last - seq
		if behind == 0 || behind > windowSize {
			r.Verdict = Duplicate
			break
		}
		bit := uint64(1) << (behind - 1)
		if s.window&bit != 0 {
			r.Verdict = Duplicate
			break
		}
		s.window |= bit
		r.Verdict = Reorder
	}
	return r
}

// insert tracks a new thread with baseline seq, evicting the least recently seen thread
// when the cap is reached.
func (v *Validator) insert(k, seq uint64) {
	var i int32
	if v.index.n >= v.max {
		i = v.tail
		v.index.remove(v.slots[i].hash, v.slots)
		v.unlink(i)
		v.evictions++
	} else {
		i = int32(len(v.slots))
		v.slots = append(v.slots, slot{})
	}
	v.slots[i] = slot{hash: k, last: seq, prev: none, next: none}
	v.pushFront(i)
	v.index.insert(k, i, v.slots)
}

// touch makes slot i the most recently seen.
func (v *Validator) touch(i int32) {
	if v.head == i {
		return
	}
	v.unlink(i)
	v.pushFront(i)
}

func (v *Validator) unlink(i int32) {
	s := &v.slots[i]
	if s.prev != none {
		v.slots[s.prev].next = s.next
	} else {
		v.head = s.next
	}
	if s.next != none {
		v.slots[s.next].prev = s.prev
	} else {
		v.tail = s.prev
	}
	s.prev, s.next = none, none
}

func (v *Validator) pushFront(i int32) {
	s := &v.slots[i]
	s.prev, s.next = none, v.head
	if v.head != none {
		v.slots[v.head].prev = i
	} else {
		v.tail = i
	}
	v.head = i
}
