package sequence

import "strconv"

// Verdict is what Observe concluded about one message's sequence number.
type Verdict uint8

const (
	// OK means the sequence was the expected one (last + 1).
	OK Verdict = iota
	// First means the thread was not tracked (new, or evicted): the sequence is taken as
	// the baseline and no gap is raised, whatever its value.
	First
	// Gap means the sequence is above the expected one; GapSize messages are missing.
	Gap
	// Duplicate means the sequence is below the expected one and was already seen, or is
	// too far below the highest sequence to tell (see the package doc).
	Duplicate
	// Reorder means the sequence is below the expected one and was never seen: it arrived
	// after a later one. It is remembered, so a second copy is a Duplicate.
	Reorder
	// Zero means the sequence was 0: a violation. Sequences start at 1 and are never 0
	// (WIRE.md); a producer that stamps 0 on every message (incident #9) tracks no
	// sequence at all, so nothing it sends can be checked. The thread's history is not
	// changed by it.
	Zero
)

var verdictNames = [...]string{
	OK:        "ok",
	First:     "first",
	Gap:       "gap",
	Duplicate: "duplicate",
	Reorder:   "reorder",
	Zero:      "zero",
}

// String returns the verdict's lowercase name ("ok", "first", "gap", "duplicate",
// "reorder", "zero"), or "verdict(N)" for a value outside the constants.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// Result is the outcome of one Observe. Expected is the thread's last sequence + 1 before
// this message (0 for First and Zero); Received is the sequence observed.
type Result struct {
	Verdict  Verdict
	Expected uint64
	Received uint64
}

// GapSize returns how many sequences are missing for a Gap (Received - Expected), and 0
// for every other verdict.
func (r Result) GapSize() uint64 {
	if r.Verdict != Gap {
		return 0
	}
	return r.Received - r.Expected
}
