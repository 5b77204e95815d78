package selftest

import (
	"fmt"
	"strings"

	"github.com/dashstream/acceptance/steps/evidence"
)

// Verdict is what one mutant did to the gate; see the package doc.
type Verdict string

// The verdicts.
const (
	Killed          Verdict = "killed"
	KilledElsewhere Verdict = "killed-elsewhere"
	Survived        Verdict = "survived"
	Broken          Verdict = "broken"
	NotRun          Verdict = "not-run"
)

// Attribute judges a mutant's run from its scenario results: killed only when a scenario
// whose name contains m.Scenario failed at a step whose text contains m.Step, with an
// error containing m.Expect when that is set. detail says what was observed.
func Attribute(m Mutant, results []evidence.CucumberResult) (v Verdict, detail string) {
	var guards, failed []evidence.CucumberResult
	for _, r := range results {
		if strings.Contains(r.Name, m.Scenario) {
			guards = append(guards, r)
		}
		if r.Status != evidence.StatusPassed && r.Status != evidence.StatusSkipped {
			failed = append(failed, r)
		}
	}
	if len(guards) == 0 {
		return NotRun, fmt.Sprintf("no scenario named like %q ran with tags %q", m.Scenario, m.Tags)
	}
	for _, g := range guards {
		if g.Status == evidence.StatusFailed && strings.Contains(g.Step, m.Step) &&
			(m.Expect == "" || strings.Contains(g.Error, m.Expect)) {
			return Killed, fmt.Sprintf("%q failed at %q: %s", g.Name, g.Step, firstLine(g.Error))
		}
	}
	if len(failed) > 0 {
		var parts []string
		for _, f := range failed {
			parts = append(parts, fmt.Sprintf("%q %s at %q: %s", f.Name, f.Status, f.Step, firstLine(f.Error)))
		}
		return KilledElsewhere, "not at the guarding step; " + strings.Join(parts, "; ")
	}
	for _, g := range guards {
		if g.Status == evidence.StatusPassed {
			return Survived, fmt.Sprintf("%q passed with the defect in place", g.Name)
		}
	}
	return NotRun, fmt.Sprintf("%q was skipped: %s", guards[0].Name, firstLine(guards[0].Error))
}

// Baseline checks the clean copy's results for a mutant: its guarding scenario must have
// run and passed, or the mutant proves nothing. It returns "" when the baseline is good.
func Baseline(m Mutant, results []evidence.CucumberResult) string {
	ran := false
	for _, r := range results {
		if !strings.Contains(r.Name, m.Scenario) {
			continue
		}
		ran = true
		if r.Status != evidence.StatusPassed {
			return fmt.Sprintf("without the mutant, %q is %s at %q: %s", r.Name, r.Status, r.Step, firstLine(r.Error))
		}
	}
	if !ran {
		return fmt.Sprintf("without the mutant, no scenario named like %q ran with tags %q", m.Scenario, m.Tags)
	}
	return ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}
