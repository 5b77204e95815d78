package evidence

import (
	"fmt"
	"strings"
)

// Counts is how many scenarios of a run ended in each status. Unknown counts scenarios
// that never reported a status (or reported one godog does not use).
type Counts struct {
	Total, Passed, Failed, Skipped, Undefined, Pending, Ambiguous, Unknown int
}

// Counts tallies the run's scenarios by status.
func (r *Run) Counts() Counts {
	var c Counts
	r.eachScenario(func(s *Scenario) {
		c.Total++
		switch s.Status {
		case StatusPassed:
			c.Passed++
		case StatusFailed:
			c.Failed++
		case StatusSkipped:
			c.Skipped++
		case StatusUndefined:
			c.Undefined++
		case StatusPending:
			c.Pending++
		case StatusAmbiguous:
			c.Ambiguous++
		default:
			c.Unknown++
		}
	})
	return c
}

// Passed is the release gate: true when at least one scenario ran and none failed, was
// undefined, pending, ambiguous or without a status. Skipped scenarios do not fail it.
func (r *Run) Passed() bool { return len(r.GateReasons()) == 0 }

// GateReasons says why the gate fails, one short phrase per cause ("2 failed",
// "1 undefined", "no scenarios ran"); empty when the gate passes.
func (r *Run) GateReasons() []string {
	c := r.Counts()
	if c.Total == 0 {
		return []string{"no scenarios ran"}
	}
	var out []string
	for _, p := range []struct {
		n    int
		what string
	}{
		{c.Failed, "failed"}, {c.Undefined, "undefined"}, {c.Pending, "pending"},
		{c.Ambiguous, "ambiguous"}, {c.Unknown, "without a status"},
	} {
		if p.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return out
}

// Verdict is "PASS" or "FAIL" according to Passed.
func (r *Run) Verdict() string {
	if r.Passed() {
		return "PASS"
	}
	return "FAIL"
}

// String renders the counts compactly: "7 scenarios: 5 passed, 1 failed, 1 skipped".
func (c Counts) String() string {
	parts := []string{}
	for _, p := range []struct {
		n    int
		what string
	}{
		{c.Passed, "passed"}, {c.Failed, "failed"}, {c.Skipped, "skipped"},
		{c.Undefined, "undefined"}, {c.Pending, "pending"}, {c.Ambiguous, "ambiguous"},
		{c.Unknown, "without a status"},
	} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	noun := "scenarios"
	if c.Total == 1 {
		noun = "scenario"
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d %s", c.Total, noun)
	}
	return fmt.Sprintf("%d %s: %s", c.Total, noun, strings.Join(parts, ", "))
}

// eachScenario calls fn for every scenario with the scenario's lock held.
func (r *Run) eachScenario(fn func(*Scenario)) {
	r.mu.Lock()
	scs := append([]*Scenario(nil), r.Scenarios...)
	r.mu.Unlock()
	for _, s := range scs {
		s.mu.Lock()
		fn(s)
		s.mu.Unlock()
	}
}
