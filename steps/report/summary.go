package report

import (
	"fmt"
	"strings"

	"github.com/dashstream/acceptance/steps/evidence"
)

// Summary renders the run for the terminal: verdict with its reasons, counts, every
// failing scenario with its error and unmet expectations, every skipped scenario with
// its reason, and the report's location from p (omitted when p is zero).
func Summary(run *evidence.Run, p Paths) string {
	snap := run.Snapshot()
	var b strings.Builder
	verdict := snap.Verdict()
	if reasons := snap.GateReasons(); len(reasons) > 0 {
		verdict += " (" + strings.Join(reasons, ", ") + ")"
	}
	fmt.Fprintf(&b, "DashStream acceptance gate: %s\n", verdict)
	fmt.Fprintf(&b, "  %s\n", snap.Counts())
	fmt.Fprintf(&b, "  run %s, stack %s, seed %d", snap.ID, snap.Stack, snap.Seed)
	if snap.Tags != "" {
		fmt.Fprintf(&b, ", tags %s", snap.Tags)
	}
	fmt.Fprintf(&b, ", took %s\n", runDuration(snap))
	for _, sc := range snap.Scenarios {
		if !sc.FailsGate() {
			continue
		}
		fmt.Fprintf(&b, "  %-9s %s%s\n", statusOf(sc.Status)+":", sc.Name, where(sc))
		if sc.Error != "" {
			fmt.Fprintf(&b, "            %s\n", firstLine(sc.Error, 160))
		}
		for _, e := range sc.Unmet() {
			fmt.Fprintf(&b, "            unmet: %s\n", shorten(expectationLine(e), 200))
		}
	}
	for _, sc := range snap.Scenarios {
		if sc.Status == evidence.StatusPassed && len(sc.Unmet()) > 0 { // a step that did not assert
			fmt.Fprintf(&b, "  warning:  %s%s passed with unmet expectations\n", sc.Name, where(sc))
			for _, e := range sc.Unmet() {
				fmt.Fprintf(&b, "            unmet: %s\n", shorten(expectationLine(e), 200))
			}
		}
	}
	for _, g := range snap.NotCovered() {
		label := "skipped:  "
		if !g.Declared {
			label = "NOT RUN:  "
		}
		loc := ""
		if g.Where != "" {
			loc = " (" + g.Where + ")"
		}
		fmt.Fprintf(&b, "  %s%s%s — %s\n", label, g.Scenario, loc, firstLine(g.Reason, 160))
		if g.Declared {
			fmt.Fprintf(&b, "            accepted by the release profile: %s\n", firstLine(g.Why, 160))
		} else {
			b.WriteString("            not declared in the release profile: the gate cannot pass\n")
		}
	}
	if snap.Profile != nil || len(snap.NotCovered()) > 0 {
		fmt.Fprintf(&b, "  release profile: %s\n", profileName(snap))
	}
	if n := len(snap.Deviations); n > 0 {
		fmt.Fprintf(&b, "  deviations from the incident document: %d, listed in the report\n", n)
	}
	if p.HTML != "" {
		fmt.Fprintf(&b, "  report:   %s\n", p.HTML)
	}
	if p.Markdown != "" {
		fmt.Fprintf(&b, "            %s\n", p.Markdown)
	}
	return b.String()
}

func where(sc *evidence.Scenario) string {
	switch {
	case sc.URI != "" && sc.Line > 0:
		return fmt.Sprintf(" (%s:%d)", sc.URI, sc.Line)
	case sc.URI != "":
		return " (" + sc.URI + ")"
	}
	return ""
}
