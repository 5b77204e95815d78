package delivery

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Unix(1_700_000_000, 0)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// clean is a history of 3 acked records, all in the log and seen.
func clean() History {
	h := History{Start: t0, End: at(10), Attempts: 3, DrainComplete: true, Seen: map[key]bool{}}
	for i, k := range []key{{"w0", 1}, {"w0", 2}, {"w1", 1}} {
		p := int32(0)
		if k.Thread == "w1" {
			p = 1
		}
		off := int64(i)
		if p == 1 {
			off = 0
		}
		h.Acks = append(h.Acks, AckRec{Thread: k.Thread, Seq: k.Seq, Partition: p, Offset: off, At: at(float64(i + 1))})
		h.Log = append(h.Log, LogRec{Thread: k.Thread, Seq: k.Seq, Partition: p, Offset: off})
		h.Seen[k] = true
	}
	return h
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*History)
		check  func(*testing.T, Analysis)
	}{
		{"clean", func(*History) {}, func(t *testing.T, a Analysis) {
			require.Equal(t, Analysis{Acked: 3, AckedPerS: 0.3, Attempts: 3, LogRecords: 3, DrainComplete: true,
				Recoveries: []Recovery{}}, a)
		}},
		{"acked record missing from the log is lost", func(h *History) { h.Log = h.Log[:2] }, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 1, a.Lost)
			require.Equal(t, []string{"w1#1@1/0"}, a.LostSample)
		}},
		{"record twice in the log is a duplicate", func(h *History) {
			h.Log = append(h.Log, LogRec{Thread: "w0", Seq: 2, Partition: 0, Offset: 2})
		}, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 1, a.Duplicates)
			require.Zero(t, a.Reordered, "a repeated sequence is a duplicate, not also a reorder")
		}},
		{"ack pointing at another offset", func(h *History) { h.Acks[1].Offset = 7 }, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 1, a.Misplaced)
			require.Zero(t, a.Lost)
		}},
		{"sequences out of order", func(h *History) { h.Log[0], h.Log[1] = h.Log[1], h.Log[0] }, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 1, a.Reordered)
		}},
		{"in log without ack is allowed", func(h *History) {
			h.Log = append(h.Log, LogRec{Thread: "w1", Seq: 2, Partition: 1, Offset: 1})
		}, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 1, a.UnackedInLog)
			require.Zero(t, a.Lost+a.Duplicates+a.Reordered)
			require.EqualValues(t, 1, a.NotYetSeen)
		}},
		{"not yet seen by the live consumer", func(h *History) { delete(h.Seen, key{"w0", 1}) }, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 1, a.NotYetSeen)
			require.Zero(t, a.Lost)
		}},
		{"acked twice", func(h *History) { h.Acks = append(h.Acks, h.Acks[0]) }, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 1, a.AckDuplicates)
		}},
		{"errors are summed", func(h *History) { h.Errors = map[string]int64{"a": 2, "b": 3} }, func(t *testing.T, a Analysis) {
			require.EqualValues(t, 5, a.ProduceErrors)
		}},
		{"failed restart", func(h *History) {
			h.Kills = []KillRec{{Broker: 0, KilledAt: at(1.5), StartedAt: at(1.5), Err: "restart: boom"}}
		}, func(t *testing.T, a Analysis) {
			require.Equal(t, 1, a.FailedRestarts)
			require.Equal(t, "restart: boom", a.Recoveries[0].Err)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := clean()
			tc.mutate(&h)
			tc.check(t, Analyze(h))
		})
	}
}

func TestRecoveries(t *testing.T) {
	h := History{Start: t0, End: at(60), DrainComplete: true}
	for _, s := range []float64{1, 2, 3, 14, 15, 40} {
		h.Acks = append(h.Acks, AckRec{Thread: "w0", Seq: uint64(len(h.Acks) + 1), At: at(s)})
	}
	h.Acks[3], h.Acks[4] = h.Acks[4], h.Acks[3]     // callbacks may arrive out of order
	h.Acks[2].Partition, h.Acks[5].Partition = 1, 1 // partition 1: acks at 3 and 40 only
	h.Kills = []KillRec{
		{Broker: 0, KilledAt: at(5), StartedAt: at(5), ReadyAt: at(12)},
		{Broker: 0, KilledAt: at(50), StartedAt: at(51), ReadyAt: at(58)},
	}
	rs := Analyze(h).Recoveries
	require.Len(t, rs, 2)
	require.InDelta(t, 5, rs[0].AtS, 1e-9)
	require.InDelta(t, 7, rs[0].RestartS, 1e-9)
	require.InDelta(t, 2, rs[0].RecoveryS, 1e-9, "ready at 12, first ack at 14")
	require.InDelta(t, 11, rs[0].OutageAcksS, 1e-9, "last ack 3, next 14")
	require.InDelta(t, 37, rs[0].StallS, 1e-9, "partition 1 stalled from 3 to 40")
	require.Zero(t, rs[1].OutageAcksS, "no ack after the kill at 50: no gap is measured")
	require.False(t, rs[0].NoAckAfter)
	require.True(t, rs[1].NoAckAfter)
	require.Zero(t, rs[1].RecoveryS)

	// A kill that comes before any ack after the previous restart: the later ack is not
	// that restart's recovery.
	h.Kills = []KillRec{
		{Broker: 0, KilledAt: at(4), StartedAt: at(4), ReadyAt: at(6)},
		{Broker: 0, KilledAt: at(7), StartedAt: at(7), ReadyAt: at(13)},
	}
	rs = Analyze(h).Recoveries
	require.True(t, rs[0].NoAckAfter, "the ack at 14 follows the next kill at 7")
	require.Zero(t, rs[0].RecoveryS)
	require.False(t, rs[1].NoAckAfter)
	require.InDelta(t, 1, rs[1].RecoveryS, 1e-9)
}

// TestAckGapIgnoresLateCallbacks: acks handled just after the kill (responses read
// before it) do not hide the outage behind them.
func TestAckGapIgnoresLateCallbacks(t *testing.T) {
	h := History{Start: t0, End: at(30), DrainComplete: true}
	for _, s := range []float64{1, 2, 5.1, 14, 15} {
		h.Acks = append(h.Acks, AckRec{Thread: "w0", Seq: uint64(len(h.Acks) + 1), At: at(s)})
	}
	h.Kills = []KillRec{{Broker: 0, KilledAt: at(5), StartedAt: at(5), ReadyAt: at(12)}}
	r := Analyze(h).Recoveries[0]
	require.InDelta(t, 8.9, r.OutageAcksS, 1e-9)
	require.InDelta(t, 8.9, r.StallS, 1e-9)
	require.InDelta(t, 2, r.RecoveryS, 1e-9)
}
