package delivery

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// key identifies a message: the writer's DashStream thread and the sequence the
// reference producer stamped on it.
type key struct {
	Thread string
	Seq    uint64
}

// AckRec is one acknowledged send: where Kafka says the record is, and when the
// acknowledgement arrived.
type AckRec struct {
	Thread    string
	Seq       uint64
	Partition int32
	Offset    int64
	At        time.Time
}

// LogRec is one record read by the final drain.
type LogRec struct {
	Thread    string
	Seq       uint64
	Partition int32
	Offset    int64
}

// KillRec is one fault: a broker killed with SIGKILL and started again.
type KillRec struct {
	Broker    int       `json:"broker"`
	NodeID    int32     `json:"node_id"`
	Why       string    `json:"why"`
	KilledAt  time.Time `json:"killed_at"`
	StartedAt time.Time `json:"restart_begun_at"`
	ReadyAt   time.Time `json:"restart_done_at"`
	Err       string    `json:"error,omitempty"`
}

// History is everything recorded during a run; Analyze is a pure function of it.
type History struct {
	Start, End time.Time
	Acks       []AckRec
	// Attempts is how many sends were handed to the producer; Errors counts failed
	// outcomes by message; Unresolved is how many had no outcome when the producer closed.
	Attempts   int64
	Errors     map[string]int64
	Unresolved int64
	Kills      []KillRec
	// Seen is what the live consumer received before the drain.
	Seen map[key]bool
	// Log is what the final drain read; DrainComplete says it reached every partition's
	// end offset.
	Log           []LogRec
	DrainComplete bool
}

// Recovery is the time from a restart being done (broker ready) to the next ack.
type Recovery struct {
	Broker      int     `json:"broker"`
	AtS         float64 `json:"killed_at_s"`
	RestartS    float64 `json:"restart_s"`
	RecoveryS   float64 `json:"recovery_s"`
	NoAckAfter  bool    `json:"no_ack_before_next_kill,omitempty"`
	OutageAcksS float64 `json:"ack_gap_s"`
	StallS      float64 `json:"longest_partition_stall_s"`
	Err         string  `json:"error,omitempty"`
}

// Analysis is what Analyze finds in a History.
type Analysis struct {
	Acked          int64      `json:"acked"`
	AckedPerS      float64    `json:"acked_per_s"`
	Attempts       int64      `json:"attempts"`
	ProduceErrors  int64      `json:"produce_errors"`
	Unresolved     int64      `json:"unresolved_at_end"`
	Kills          int        `json:"kills"`
	FailedRestarts int        `json:"failed_restarts"`
	LogRecords     int64      `json:"log_records"`
	Lost           int64      `json:"lost"`
	Duplicates     int64      `json:"duplicates_in_log"`
	AckDuplicates  int64      `json:"acked_twice"`
	Misplaced      int64      `json:"acked_offset_mismatch"`
	Reordered      int64      `json:"reordered_in_log"`
	UnackedInLog   int64      `json:"in_log_not_acked"`
	NotYetSeen     int64      `json:"not_yet_seen_before_drain"`
	DrainComplete  bool       `json:"drain_complete"`
	LostSample     []string   `json:"lost_sample,omitempty"`
	Recoveries     []Recovery `json:"recoveries"`
}

// Analyze compares the acknowledged sends with the log and the live consumer's view.
func Analyze(h History) Analysis {
	a := Analysis{Acked: int64(len(h.Acks)), Attempts: h.Attempts, Unresolved: h.Unresolved,
		Kills: len(h.Kills), LogRecords: int64(len(h.Log)), DrainComplete: h.DrainComplete}
	if d := h.End.Sub(h.Start).Seconds(); d > 0 {
		a.AckedPerS = float64(a.Acked) / d
	}
	for _, n := range h.Errors {
		a.ProduceErrors += n
	}
	type loc struct {
		p int32
		o int64
	}
	inLog := make(map[key]loc, len(h.Log))
	last := map[string]uint64{} // thread → last sequence in log order (per partition: a thread has one)
	for _, r := range h.Log {
		k := key{r.Thread, r.Seq}
		if _, dup := inLog[k]; dup {
			a.Duplicates++
		} else {
			inLog[k] = loc{r.Partition, r.Offset}
		}
		if r.Seq < last[r.Thread] {
			a.Reordered++
		}
		last[r.Thread] = max(last[r.Thread], r.Seq)
		if !h.Seen[k] {
			a.NotYetSeen++
		}
	}
	acked := make(map[key]bool, len(h.Acks))
	for _, ack := range h.Acks {
		k := key{ack.Thread, ack.Seq}
		if acked[k] {
			a.AckDuplicates++
			continue
		}
		acked[k] = true
		l, ok := inLog[k]
		switch {
		case !ok:
			a.Lost++
			if len(a.LostSample) < 20 {
				a.LostSample = append(a.LostSample, ackString(ack))
			}
		case l.p != ack.Partition || l.o != ack.Offset:
			a.Misplaced++
		}
	}
	for k := range inLog {
		if !acked[k] {
			a.UnackedInLog++
		}
	}
	sorted := slices.Clone(h.Acks)
	slices.SortStableFunc(sorted, func(x, y AckRec) int { return x.At.Compare(y.At) })
	a.Recoveries = recoveries(h, sorted)
	for _, k := range h.Kills {
		if k.Err != "" {
			a.FailedRestarts++
		}
	}
	return a
}

// recoveries measures, for every kill, how long the restart took, the time from the
// restart being done to the first ack after it, the gap in acks around the kill (last
// ack before it to first ack after it) and the longest such gap of a single partition.
// acks must be sorted by At.
func recoveries(h History, acks []AckRec) []Recovery {
	byPart := map[int32][]AckRec{}
	for _, a := range acks {
		byPart[a.Partition] = append(byPart[a.Partition], a)
	}
	out := make([]Recovery, 0, len(h.Kills))
	for i, k := range h.Kills {
		r := Recovery{Broker: k.Broker, AtS: k.KilledAt.Sub(h.Start).Seconds(), Err: k.Err}
		if !k.ReadyAt.IsZero() {
			r.RestartS = k.ReadyAt.Sub(k.StartedAt).Seconds()
		}
		from := k.ReadyAt
		if from.IsZero() {
			from = k.KilledAt
		}
		// An ack after the next kill says nothing about this restart.
		next, ok := firstAckAfter(acks, from)
		if ok && i+1 < len(h.Kills) && next.After(h.Kills[i+1].KilledAt) {
			ok = false
		}
		if ok && !k.ReadyAt.IsZero() {
			r.RecoveryS = next.Sub(k.ReadyAt).Seconds()
		}
		r.NoAckAfter = !ok
		// The outage window runs from the kill to the first ack after the restart (per
		// partition for the stall), never past the next kill. Acks whose responses were
		// read before the kill can still be handled just after it, so the gap is the
		// longest between consecutive acks in the window, not the first after the kill.
		until := h.End
		if i+1 < len(h.Kills) {
			until = h.Kills[i+1].KilledAt
		}
		end := func(as []AckRec) time.Time {
			if k.ReadyAt.IsZero() {
				return until
			}
			if t, ok := firstAckAfter(as, k.ReadyAt); ok && !t.After(until) {
				return t
			}
			return until
		}
		r.OutageAcksS = longestGap(acks, k.KilledAt, end(acks), h.Start)
		for _, pa := range byPart {
			r.StallS = max(r.StallS, longestGap(pa, k.KilledAt, end(pa), h.Start))
		}
		out = append(out, r)
	}
	return out
}

// longestGap returns the longest time between consecutive acks (sorted by At) that
// ends in (from, until], counting from the last ack before from (or dflt).
func longestGap(acks []AckRec, from, until, dflt time.Time) float64 {
	prev := lastAckBefore(acks, from, dflt)
	var gap float64
	for _, a := range acks {
		if !a.At.After(from) {
			continue
		}
		if a.At.After(until) {
			break
		}
		gap = max(gap, a.At.Sub(prev).Seconds())
		prev = a.At
	}
	return gap
}

// firstAckAfter returns the time of the first ack at or after t.
func firstAckAfter(acks []AckRec, t time.Time) (time.Time, bool) {
	i := sort.Search(len(acks), func(i int) bool { return !acks[i].At.Before(t) })
	if i == len(acks) {
		return time.Time{}, false
	}
	return acks[i].At, true
}

// lastAckBefore returns the time of the last ack before t, or dflt.
func lastAckBefore(acks []AckRec, t, dflt time.Time) time.Time {
	i := sort.Search(len(acks), func(i int) bool { return !acks[i].At.Before(t) })
	if i == 0 {
		return dflt
	}
	return acks[i-1].At
}

func ackString(a AckRec) string {
	return fmt.Sprintf("%s#%d@%d/%d", a.Thread, a.Seq, a.Partition, a.Offset)
}
