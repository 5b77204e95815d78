package evidence

import (
	"fmt"
	"slices"
	"strings"
)

// The release gate's verdicts.
const (
	// VerdictPass: every selected scenario ran and passed, or was skipped for a capability
	// the run's release profile accepts not to cover.
	VerdictPass = "PASS"
	// VerdictFail: a scenario failed, or was undefined, pending, ambiguous or without a
	// status, or no scenario was selected at all.
	VerdictFail = "FAIL"
	// VerdictIncomplete: nothing failed, but a scenario was skipped for a reason the
	// release profile does not accept, or no scenario ran to a verdict.
	VerdictIncomplete = "INCOMPLETE"
)

// Exit codes of the gate, one per verdict (ExitCode). 1 is also what go test exits with
// for any failed test, and 2 is a build failure, so INCOMPLETE has a code of its own.
const (
	ExitPass       = 0
	ExitFail       = 1
	ExitIncomplete = 3
)

// Counts is how many scenarios of a run ended in each status. Unknown counts scenarios
// that never reported a status (or reported one godog does not use). Declared counts the
// skipped scenarios whose skip the release profile accepts (they are in Skipped too).
type Counts struct {
	Total, Passed, Failed, Skipped, Undefined, Pending, Ambiguous, Unknown int
	Declared                                                               int
}

// Counts tallies the run's scenarios by status.
func (r *Run) Counts() Counts {
	var c Counts
	accepted := r.acceptedCaps()
	r.eachScenario(func(s *Scenario) {
		c.Total++
		switch s.Status {
		case StatusPassed:
			c.Passed++
		case StatusFailed:
			c.Failed++
		case StatusSkipped:
			c.Skipped++
			if s.declared(accepted) {
				c.Declared++
			}
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

// Passed is the release gate: true only when the verdict is PASS.
func (r *Run) Passed() bool { return r.Verdict() == VerdictPass }

// GateReasons says why the gate does not pass, one short phrase per cause ("2 failed",
// "1 undefined", "1 skipped without a declared reason", "no scenarios ran"); empty when
// the gate passes.
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
		{c.Skipped - c.Declared, "skipped without a declared reason"},
	} {
		if p.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(out) == 0 && c.Passed == 0 {
		out = append(out, "no scenario ran to a verdict")
	}
	return out
}

// Verdict is PASS, FAIL or INCOMPLETE (see the Verdict constants).
func (r *Run) Verdict() string {
	c := r.Counts()
	switch {
	case c.Total == 0 || c.Failed+c.Undefined+c.Pending+c.Ambiguous+c.Unknown > 0:
		return VerdictFail
	case c.Skipped > c.Declared || c.Passed == 0:
		return VerdictIncomplete
	}
	return VerdictPass
}

// ExitCode is the process exit code of the verdict: ExitPass, ExitFail or ExitIncomplete.
func (r *Run) ExitCode() int {
	switch r.Verdict() {
	case VerdictPass:
		return ExitPass
	case VerdictIncomplete:
		return ExitIncomplete
	}
	return ExitFail
}

// Gap is one scenario the run did not cover: skipped, with the reason, and whether the
// release profile accepts it (Declared, with the profile's Why).
type Gap struct {
	Scenario, Where, Reason string
	Missing                 []string
	Declared                bool
	Why                     string
}

// NotCovered lists the skipped scenarios, undeclared ones first: what a release manager
// must know the gate did not check.
func (r *Run) NotCovered() []Gap {
	accepted := r.acceptedCaps()
	var out []Gap
	r.eachScenario(func(s *Scenario) {
		if s.Status != StatusSkipped {
			return
		}
		g := Gap{Scenario: s.Name, Reason: s.SkipReason, Missing: slices.Clone(s.Missing), Declared: s.declared(accepted)}
		if s.URI != "" {
			g.Where = s.URI
			if s.Line > 0 {
				g.Where += fmt.Sprintf(":%d", s.Line)
			}
		}
		if g.Reason == "" {
			g.Reason = "no reason given"
		}
		if g.Declared {
			var whys []string
			for _, m := range s.Missing {
				whys = append(whys, m+": "+accepted[m])
			}
			g.Why = strings.Join(whys, "; ")
		}
		out = append(out, g)
	})
	slices.SortStableFunc(out, func(a, b Gap) int {
		switch {
		case a.Declared == b.Declared:
			return 0
		case !a.Declared:
			return -1
		}
		return 1
	})
	return out
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
