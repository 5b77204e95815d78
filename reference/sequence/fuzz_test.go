package sequence

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// model is the naive reference checker: every sequence ever seen per thread, unbounded,
// and an LRU order of threads kept as a slice (most recent first) for eviction at cap.
type model struct {
	threads   map[[2]string]*modelThread
	order     [][2]string
	cap       int
	evictions uint64
}

type modelThread struct {
	last uint64
	seen map[uint64]bool
}

func (m *model) observe(tenant, thread string, seq uint64) Result {
	if seq == 0 {
		return Result{Verdict: Zero}
	}
	k := [2]string{tenant, thread}
	th, ok := m.threads[k]
	m.order = slices.DeleteFunc(m.order, func(o [2]string) bool { return o == k })
	m.order = slices.Insert(m.order, 0, k)
	if !ok {
		if len(m.threads) == m.cap {
			oldest := m.order[len(m.order)-1]
			m.order = m.order[:len(m.order)-1]
			delete(m.threads, oldest)
			m.evictions++
		}
		m.threads[k] = &modelThread{last: seq, seen: map[uint64]bool{seq: true}}
		return Result{Verdict: First, Received: seq}
	}
	r := Result{Expected: th.last + 1, Received: seq}
	switch {
	case seq == th.last+1:
		r.Verdict = OK
	case seq > th.last+1:
		r.Verdict = Gap
	case th.seen[seq]:
		r.Verdict = Duplicate
	default:
		r.Verdict = Reorder
	}
	th.seen[seq] = true
	th.last = max(th.last, seq)
	return r
}

// Keys that only a correct separator keeps apart: "a"+"bc", "ab"+"c", "abc"+"".
var (
	fuzzTenants = []string{"a", "ab", "abc"}
	fuzzThreads = []string{"bc", "c", ""}
)

// FuzzValidator compares the Validator with the naive model on random histories. Each
// 3-byte op picks a key, a delta within the window around the thread's highest sequence
// (so the bounded window never has to guess), and now and then sequence 0 or a huge jump.
// The cap equals the number of keys, so nothing is evicted. Run it with a short
// -fuzzminimizetime (e.g. 2s): minimising each new interesting input otherwise stalls the
// exec count for long stretches.
func FuzzValidator(f *testing.F) {
	f.Add([]byte{0, 65, 1, 0, 66, 1, 0, 68, 1, 0, 67, 1, 0, 67, 1})
	f.Add([]byte{0, 1, 1, 4, 2, 1, 0, 0, 1, 4, 128, 1, 8, 3, 0, 0, 5, 255})
	f.Add([]byte{1, 10, 1, 1, 74, 200, 1, 0, 1, 1, 1, 1, 1, 128, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstModel(t, data, fuzzTenants, fuzzThreads, len(fuzzTenants)*len(fuzzThreads))
	})
}

// TestValidatorMatchesModel runs checkAgainstModel on long seeded random histories, so
// plain go test covers what the fuzzer explores.
func TestValidatorMatchesModel(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		data := make([]byte, 3*5000)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			checkAgainstModel(t, data, fuzzTenants, fuzzThreads, len(fuzzTenants)*len(fuzzThreads))
		})
	}
}

// TestValidatorMatchesModelWithEviction is the same comparison with 24 keys and a cap of
// 5: constant eviction, reappearing threads, and index removals.
func TestValidatorMatchesModelWithEviction(t *testing.T) {
	threads := make([]string, 12)
	for i := range threads {
		threads[i] = fmt.Sprint("th", i)
	}
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 3))
		data := make([]byte, 3*5000)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			require.Positive(t, checkAgainstModel(t, data, []string{"t1", "t2"}, threads, 5))
		})
	}
}

// checkAgainstModel decodes data into ops on the keys tenants x threads and requires a
// Validator capped at maxThreads to agree with the model on every one. It returns the
// number of evictions.
func checkAgainstModel(t *testing.T, data []byte, tenants, threads []string, maxThreads int) uint64 {
	t.Helper()
	v := NewValidator(MaxThreads(maxThreads))
	m := &model{threads: map[[2]string]*modelThread{}, cap: maxThreads}
	for i := 0; i+2 < len(data); i += 3 {
		b0, b1, b2 := data[i], data[i+1], data[i+2]
		tenant := tenants[int(b0)%len(tenants)]
		thread := threads[int(b0)/len(tenants)%len(threads)]
		var seq uint64
		th := m.threads[[2]string{tenant, thread}]
		switch {
		case b2 == 0:
			seq = 0
		case th == nil:
			seq = uint64(b1) + 1
		case b2 == 255:
			seq = th.last + 1<<40
		default:
			d := int64(b1)%(2*windowSize+1) - windowSize // -64..64
			if d < 0 && uint64(-d) >= th.last {
				seq = 1 // th.last <= 64, so 1 is inside the window
			} else {
				seq = uint64(int64(th.last) + d)
			}
		}
		want := m.observe(tenant, thread, seq)
		got := v.Observe(tenant, thread, seq)
		if got != want { // require.Equal in every iteration would dominate the fuzzer's time
			require.Equal(t, want, got, "op %d: %q/%q seq %d", i/3, tenant, thread, seq)
		}
	}
	require.Equal(t, len(m.threads), v.Tracked())
	require.Equal(t, m.evictions, v.Evictions())
	return m.evictions
}
