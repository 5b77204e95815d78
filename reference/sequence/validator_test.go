package sequence

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// step is one observed message and the result the checker must give for it.
type step struct {
	tenant, thread string
	seq            uint64
	want           Verdict
	expected       uint64 // Result.Expected wanted
}

// on builds a step on tenant "t1", thread "a".
func on(seq uint64, want Verdict, expected uint64) step {
	return step{tenant: "t1", thread: "a", seq: seq, want: want, expected: expected}
}

// at builds a step on the given tenant and thread.
func at(tenant, thread string, seq uint64, want Verdict, expected uint64) step {
	return step{tenant: tenant, thread: thread, seq: seq, want: want, expected: expected}
}

// run appends a clean run from..to (inclusive) on tenant "t1", thread "a"; the first
// step of the run is expected to be OK (the thread already has from-1).
func run(from, to uint64) []step {
	var s []step
	for q := from; q <= to; q++ {
		s = append(s, on(q, OK, q))
	}
	return s
}

func cat(parts ...[]step) []step {
	var s []step
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

func one(s ...step) []step { return s }

func TestValidatorHistories(t *testing.T) {
	tests := []struct {
		name          string
		opts          []Opt
		steps         []step
		wantTracked   int
		wantEvictions uint64
	}{
		{
			name:        "clean 1..100",
			steps:       cat(one(on(1, First, 0)), run(2, 100)),
			wantTracked: 1,
		},
		{
			name:        "one gap",
			steps:       cat(one(on(1, First, 0)), run(2, 49), one(on(51, Gap, 50), on(52, OK, 52))),
			wantTracked: 1,
		},
		{
			name: "replay is duplicate",
			steps: cat(one(on(1, First, 0)), run(2, 10),
				one(on(10, Duplicate, 11), on(7, Duplicate, 11), on(1, Duplicate, 11), on(11, OK, 11))),
			wantTracked: 1,
		},
		{
			name: "reorder then duplicate of it",
			steps: one(on(1, First, 0), on(2, OK, 2), on(4, Gap, 3), on(3, Reorder, 5),
				on(3, Duplicate, 5), on(5, OK, 5)),
			wantTracked: 1,
		},
		{
			name: "swapped pair within a run",
			steps: one(on(1, First, 0), on(3, Gap, 2), on(2, Reorder, 4), on(4, OK, 4),
				on(2, Duplicate, 5), on(4, Duplicate, 5)),
			wantTracked: 1,
		},
		{
			name: "first below baseline is reorder once",
			steps: one(on(50, First, 0), on(49, Reorder, 51), on(49, Duplicate, 51),
				on(51, OK, 51)),
			wantTracked: 1,
		},
		{
			name:        "first at a high sequence is a baseline, not a gap",
			steps:       one(on(50, First, 0), on(51, OK, 51)),
			wantTracked: 1,
		},
		{
			name: "interleaved threads and tenants, same thread id in two tenants",
			steps: one(
				at("t1", "a", 1, First, 0), at("t2", "a", 1, First, 0),
				at("t1", "b", 7, First, 0), at("t1", "a", 2, OK, 2),
				at("t2", "a", 2, OK, 2), at("t1", "b", 8, OK, 8),
				at("t1", "a", 3, OK, 3), at("t2", "a", 3, OK, 3),
				at("t2", "a", 5, Gap, 4), at("t1", "a", 4, OK, 4),
				at("t2", "b", 1, First, 0), at("t1", "b", 9, OK, 9),
			),
			wantTracked: 4,
		},
		{
			name: "separator keeps tenant and thread apart",
			steps: one(
				at("ab", "c", 5, First, 0), at("a", "bc", 1, First, 0),
				at("abc", "", 9, First, 0), at("", "abc", 3, First, 0),
				at("a", "bc", 2, OK, 2), at("ab", "c", 6, OK, 6),
			),
			wantTracked: 4,
		},
		{
			name: "eviction then reappearance is first, no gap",
			opts: []Opt{MaxThreads(2)},
			steps: one(
				at("t", "a", 1, First, 0), at("t", "b", 1, First, 0),
				at("t", "a", 2, OK, 2),    // b is now least recently seen
				at("t", "c", 1, First, 0), // evicts b
				at("t", "a", 3, OK, 3),
				at("t", "b", 9, First, 0), // evicts c; would have been a gap
				at("t", "b", 10, OK, 10),
				at("t", "c", 2, First, 0), // evicts a
				at("t", "b", 11, OK, 11),
				at("t", "a", 4, First, 0), // evicts c
			),
			wantTracked:   2,
			wantEvictions: 4,
		},
		{
			name: "cap of one",
			opts: []Opt{MaxThreads(1)},
			steps: one(
				at("t", "a", 1, First, 0), at("t", "a", 2, OK, 2),
				at("t", "b", 1, First, 0), at("t", "a", 3, First, 0), at("t", "a", 4, OK, 4),
			),
			wantTracked:   1,
			wantEvictions: 2,
		},
		{
			name: "sequence 0 is a zero violation and changes no history",
			steps: one(on(0, Zero, 0), on(0, Zero, 0), on(1, First, 0),
				on(0, Zero, 0), on(2, OK, 2)),
			wantTracked: 1,
		},
		{
			name: "huge jumps",
			steps: one(on(1, First, 0), on(1<<40, Gap, 2), on(1<<40+1, OK, 1<<40+1),
				on(2, Duplicate, 1<<40+2), on(math.MaxUint64-1, Gap, 1<<40+2),
				on(math.MaxUint64, OK, math.MaxUint64), on(math.MaxUint64, Duplicate, 0)),
			wantTracked: 1,
		},
		{
			name: "window edges: 64 behind is tracked, 65 behind is duplicate",
			steps: one(on(1, First, 0), on(100, Gap, 2),
				on(36, Reorder, 101), on(36, Duplicate, 101), // exactly 64 behind
				on(35, Duplicate, 101),                       // 65 behind: below the window, never seen, still duplicate
				on(99, Reorder, 101), on(99, Duplicate, 101), // 1 behind
				on(100, Duplicate, 101)),
			wantTracked: 1,
		},
		{
			name: "gap of exactly 64 keeps the old highest in the window",
			steps: one(on(10, First, 0), on(74, Gap, 11), on(10, Duplicate, 75),
				on(11, Reorder, 75), on(73, Reorder, 75)),
			wantTracked: 1,
		},
		{
			name: "gap of 65 drops the old highest out of the window",
			steps: one(on(10, First, 0), on(75, Gap, 11), on(11, Reorder, 76),
				on(10, Duplicate, 76)),
			wantTracked: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewValidator(tt.opts...)
			for i, s := range tt.steps {
				got := v.Observe(s.tenant, s.thread, s.seq)
				want := Result{Verdict: s.want, Expected: s.expected, Received: s.seq}
				if s.want == Zero {
					want.Received = 0
				}
				require.Equal(t, want, got, "step %d: %s/%s seq %d", i, s.tenant, s.thread, s.seq)
			}
			require.Equal(t, tt.wantTracked, v.Tracked())
			require.Equal(t, tt.wantEvictions, v.Evictions())
		})
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[Verdict]string{
		OK: "ok", First: "first", Gap: "gap", Duplicate: "duplicate",
		Reorder: "reorder", Zero: "zero", Verdict(42): "verdict(42)",
	} {
		require.Equal(t, want, v.String())
	}
}

func TestGapSize(t *testing.T) {
	require.Equal(t, uint64(1), Result{Verdict: Gap, Expected: 50, Received: 51}.GapSize())
	require.Equal(t, uint64(1<<40-2), Result{Verdict: Gap, Expected: 2, Received: 1 << 40}.GapSize())
	for _, v := range []Verdict{OK, First, Duplicate, Reorder, Zero} {
		require.Zero(t, Result{Verdict: v, Expected: 5, Received: 9}.GapSize(), v.String())
	}
}

func TestMaxThreadsDefaultsAndLRUOrder(t *testing.T) {
	require.Equal(t, defaultMaxThreads, NewValidator().max)
	require.Equal(t, defaultMaxThreads, NewValidator(MaxThreads(0)).max)
	require.Equal(t, defaultMaxThreads, NewValidator(MaxThreads(-3)).max)
	require.Equal(t, 7, NewValidator(MaxThreads(3), MaxThreads(7)).max)

	// At a cap of 100, touching the older half keeps it; new threads evict the rest in order.
	const n = 100
	v := NewValidator(MaxThreads(n))
	for i := range n {
		require.Equal(t, First, v.Observe("t", fmt.Sprint(i), 1).Verdict)
	}
	for i := range n / 2 {
		require.Equal(t, OK, v.Observe("t", fmt.Sprint(i), 2).Verdict)
	}
	for i := range n / 2 {
		require.Equal(t, First, v.Observe("t", fmt.Sprint("new", i), 1).Verdict)
	}
	require.Equal(t, n, v.Tracked())
	require.Equal(t, uint64(n/2), v.Evictions())
	for i := range n / 2 {
		require.Equal(t, OK, v.Observe("t", fmt.Sprint(i), 3).Verdict, "thread %d kept", i)
	}
	for i := n / 2; i < n; i++ {
		require.Equal(t, First, v.Observe("t", fmt.Sprint(i), 2).Verdict, "thread %d evicted", i)
	}
}
