package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report for a terminal: the machine and versions, every figure
// (median, max, samples), every goal as met / SHORT / not measured, and the failures.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "dsbench %s  commit %s%s\n", r.Started.UTC().Format("2006-01-02 15:04:05Z"), short(r.Commit), dirty(r.Dirty))
	m := r.Machine
	fmt.Fprintf(&b, "machine: %s, %d cores, %.1f GiB, %s, kernel %s, %s\n", m.CPU, m.Cores, float64(m.MemoryBytes)/(1<<30), m.GoVersion, m.Kernel, m.OSArch)
	fmt.Fprintf(&b, "load: start %s, end %s\n", m.LoadStart, m.LoadEnd)
	if len(m.Busy) > 0 {
		fmt.Fprintf(&b, "busy at start: %s\n", strings.Join(m.Busy, "; "))
	}
	if len(m.BusyEnd) > 0 {
		fmt.Fprintf(&b, "busy at end: %s\n", strings.Join(m.BusyEnd, "; "))
	}
	for _, k := range sortedKeys(r.Versions) {
		fmt.Fprintf(&b, "  %-13s %s\n", k, r.Versions[k])
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tUNIT\tMEDIAN\tMAX\tN\tSAMPLES")
	for _, f := range r.Figures {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", f.Name, f.Unit, num(f.Median), num(f.Max), len(f.Samples), samples(f.Samples))
	}
	tw.Flush()
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GOAL\tVALUE\tTARGET\tRESULT")
	for _, g := range r.Goals {
		op := "≤"
		if g.AtLeast {
			op = "≥"
		}
		val := "-"
		if !g.Missing {
			val = num(g.Value) + " (" + string(g.Stat) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\n", g.Name, val, op, num(g.Target), g.Verdict())
	}
	tw.Flush()
	for _, name := range sortedKeys(r.Profiles) {
		fmt.Fprintf(&b, "\nCPU profile of the reference %s (it fell short):\n%s\n", name, profileSummary(r.Profiles[name], 15))
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "FAILED: %s\n", f)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// num formats a value with about four significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "-"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// samples lists up to ten samples, then how many more there are.
func samples(xs []float64) string {
	var parts []string
	for i, x := range xs {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("(+%d)", len(xs)-10))
			break
		}
		parts = append(parts, num(x))
	}
	return strings.Join(parts, " ")
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	if commit == "" {
		return "unknown"
	}
	return commit
}

func dirty(d bool) string {
	if d {
		return " (work tree has uncommitted changes)"
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// profileSummary keeps, of go tool pprof -top output, the file name (first line), the
// Duration line and the table's header with its first n rows.
func profileSummary(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	var out []string
	rows := -1
	for i, l := range lines {
		switch {
		case i == 0 || strings.HasPrefix(l, "Duration:"):
			out = append(out, l)
		case rows < 0 && strings.Contains(l, "flat%"):
			rows = 0
			out = append(out, l)
		case rows >= 0 && rows < n:
			rows++
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
