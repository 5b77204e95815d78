package wsload

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func frame(tenant, thread string, seq uint64, ts time.Time) []byte {
	return fmt.Appendf(nil, `{"type":"event","header":{"timestamp_us":%d,"tenant_id":%q,"thread_id":%q,"sequence":%d}}`,
		ts.UnixMicro(), tenant, thread, seq)
}

func TestTracker(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	type in struct {
		tenant, thread string
		seq            uint64
	}
	tests := []struct {
		name                           string
		frames                         []in
		raw                            [][]byte
		acked                          map[string][]uint64
		missing, dups, cross, bad, got int64
	}{
		{name: "all received", frames: []in{{"a", "t1", 1}, {"a", "t1", 2}, {"a", "t2", 1}},
			acked: map[string][]uint64{"t1": {1, 2}, "t2": {1}}, got: 3},
		{name: "gap is missing", frames: []in{{"a", "t1", 1}, {"a", "t1", 3}},
			acked: map[string][]uint64{"t1": {1, 2, 3}}, missing: 1, got: 2},
		{name: "thread never seen", frames: []in{{"a", "t1", 1}},
			acked: map[string][]uint64{"t1": {1}, "t9": {1, 2}}, missing: 2, got: 1},
		{name: "duplicate", frames: []in{{"a", "t1", 1}, {"a", "t1", 1}},
			acked: map[string][]uint64{"t1": {1}}, dups: 1, got: 2},
		{name: "cross tenant is not counted as received", frames: []in{{"b", "t1", 1}},
			acked: map[string][]uint64{"t1": {1}}, cross: 1, missing: 1, got: 1},
		{name: "malformed", raw: [][]byte{[]byte("{"), []byte(`{"header":{"tenant_id":"a"}}`)}, bad: 2, got: 2},
		{name: "large sequence", frames: []in{{"a", "t1", 1000}}, acked: map[string][]uint64{"t1": {1000}}, got: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker("a", true)
			tr.start = t0
			for _, f := range tc.frames {
				tr.observe(frame(f.tenant, f.thread, f.seq, t0), t0.Add(20*time.Millisecond))
			}
			for _, b := range tc.raw {
				tr.observe(b, t0)
			}
			require.Equal(t, tc.got, tr.frames.Load())
			require.Equal(t, tc.missing, tr.missing(tc.acked))
			require.Equal(t, tc.dups, tr.duplicates)
			require.Equal(t, tc.cross, tr.crossTenant)
			require.Equal(t, tc.bad, tr.malformed)
		})
	}
}

func TestTrackerLag(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tr := newTracker("a", true)
	tr.start = t0
	tr.observe(frame("a", "t1", 1, t0.Add(time.Second)), t0.Add(1250*time.Millisecond))
	require.Len(t, tr.lags, 1)
	require.InDelta(t, 250, tr.lags[0].LagMs, 0.01)
	require.InDelta(t, 1.25, tr.lags[0].At, 0.001)
	require.InDelta(t, 250, tr.lastLagMs, 0.01)

	slow := newTracker("a", false)
	slow.start = t0
	slow.observe(frame("a", "t1", 1, t0), t0.Add(3*time.Second))
	require.Empty(t, slow.lags, "slow clients keep no samples")
	require.InDelta(t, 3000, slow.lastLagMs, 0.01)
}

func TestMakeClients(t *testing.T) {
	cs := makeClients(500, 10, []string{"t1", "t2", "t3", "t4", "t5"})
	modes, perTenant := map[string]int{}, map[string]int{}
	for _, c := range cs {
		modes[c.mode]++
		perTenant[c.tenant]++
	}
	require.Equal(t, map[string]int{modeFast: 490, modeSlow: 5, modeStalled: 5}, modes)
	require.Equal(t, map[string]int{"t1": 100, "t2": 100, "t3": 100, "t4": 100, "t5": 100}, perTenant)
}
