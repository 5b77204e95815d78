package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

// dur renders a duration for people: "850ms", "12.3s", "1m32s", "—" for zero.
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// offset renders t relative to t0: "+12.3s", "-2s".
func offset(t, t0 time.Time) string {
	if t.IsZero() || t0.IsZero() {
		return ""
	}
	d := t.Sub(t0)
	if d < 0 {
		return "-" + dur(-d)
	}
	if d == 0 {
		return "+0s"
	}
	return "+" + dur(d)
}

// stamp renders an absolute UTC time with milliseconds.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

// clock renders the time of day of t in UTC with milliseconds.
func clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("15:04:05.000")
}

// ordered returns the run's scenarios as the report lists them: those failing the gate
// first, then passed ones with unmet expectations, then skipped, then passed; within a
// rank in file order (the snapshot's order).
func ordered(run *evidence.Run) []*evidence.Scenario {
	rank := func(sc *evidence.Scenario) int {
		switch {
		case sc.FailsGate():
			return 0
		case sc.Status == evidence.StatusPassed && len(sc.Unmet()) > 0:
			return 1
		case sc.Status == evidence.StatusSkipped:
			return 2
		}
		return 3
	}
	out := append([]*evidence.Scenario(nil), run.Scenarios...)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// statusOf names a scenario status for display; "" is "no status".
func statusOf(s string) string {
	if s == "" {
		return "no status"
	}
	return s
}

// firstLine returns the first line of s, shortened to n runes.
func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return shorten(s, n)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// runDuration is the run's wall time, or "—" while it has not ended.
func runDuration(r *evidence.Run) string {
	if r.Ended.IsZero() {
		return "—"
	}
	return dur(r.Ended.Sub(r.Started))
}

// expectationLine describes an expectation for text outputs.
func expectationLine(e evidence.Expectation) string {
	switch {
	case e.Met:
		return fmt.Sprintf("%s: met after %s (limit %s); observed: %s", e.Name, dur(e.Took()), e.Within, e.Observed)
	case !e.ObservedAt.IsZero():
		return fmt.Sprintf("%s: NOT met, observed only after %s at %s (limit %s); observed: %s",
			e.Name, dur(e.Took()), clock(e.ObservedAt), e.Within, e.Observed)
	default:
		return fmt.Sprintf("%s: NOT met, not observed within %s; last seen: %s", e.Name, e.Within, e.Observed)
	}
}
