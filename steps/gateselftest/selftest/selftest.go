package selftest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Outcome is what one mutant did.
type Outcome struct {
	Mutant  Mutant  `json:"mutant"`
	Verdict Verdict `json:"verdict"`
	Detail  string  `json:"detail"`
	Seconds float64 `json:"seconds"`
}

// Report is a whole self-test: the baseline run and every mutant's outcome.
type Report struct {
	Stack           string    `json:"stack"`
	Started         time.Time `json:"started"`
	Tags            string    `json:"baseline_tags"`
	BaselineSeconds float64   `json:"baseline_seconds"`
	Outcomes        []Outcome `json:"outcomes"`
}

// Killed counts the mutants killed by their guarding scenario.
func (r Report) Killed() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Verdict == Killed {
			n++
		}
	}
	return n
}

// Holes counts the mutants declared as known holes (Mutant.Hole) that were not killed.
func (r Report) Holes() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Mutant.Hole != "" && o.Verdict != Killed {
			n++
		}
	}
	return n
}

// Passed reports whether every mutant was killed by its guarding scenario, except the
// declared holes.
func (r Report) Passed() bool {
	return len(r.Outcomes) > 0 && r.Killed()+r.Holes() == len(r.Outcomes)
}

// Run proves the gate with the mutants: one baseline run of the clean copy on the union
// of their tags, then each mutant applied, built and run on its own tags, and restored.
func (r *Runner) Run(ctx context.Context, mutants []Mutant) (Report, error) {
	rep := Report{Stack: r.Stack, Started: time.Now().UTC()}
	var tags []string
	for _, m := range mutants {
		tags = append(tags, m.Tags)
	}
	rep.Tags = strings.Join(dedupe(tags), ",")
	// Every worker's copy is made now, with the baseline's: the tree may change while the
	// baseline runs, and every mutant must be applied to the code the baseline proved.
	runners := []*Runner{r}
	for len(runners) < min(max(r.Workers, 1), len(mutants)) {
		w := &Runner{Root: r.Root, Stack: r.Stack, Timeout: r.Timeout, Log: r.Log}
		if err := w.Prepare(); err != nil {
			return rep, err
		}
		defer w.Close()
		runners = append(runners, w)
	}
	fmt.Fprintf(r.Log, "baseline: building the clean copy and running %s...\n", rep.Tags)
	bin, err := r.Build(ctx)
	if err != nil {
		return rep, fmt.Errorf("the clean copy: %w", err)
	}
	base, err := r.Gate(ctx, bin, rep.Tags)
	rep.BaselineSeconds = base.Took.Seconds()
	if err != nil {
		return rep, fmt.Errorf("the clean copy: %w", err)
	}
	fmt.Fprintf(r.Log, "baseline: exit %d after %.0f s\n", base.Exit, base.Took.Seconds())
	rep.Outcomes = make([]Outcome, len(mutants))
	var (
		mu   sync.Mutex
		next int
		done int
		wg   sync.WaitGroup
	)
	for _, w := range runners {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(mutants) || ctx.Err() != nil {
					return
				}
				m := mutants[i]
				start := time.Now()
				o := Outcome{Mutant: m}
				if why := Baseline(m, base.Scenarios); why != "" {
					o.Verdict, o.Detail = Broken, why+": the mutant proves nothing"
				} else {
					o.Verdict, o.Detail = w.one(ctx, m)
				}
				o.Seconds = time.Since(start).Seconds()
				mu.Lock()
				done++
				rep.Outcomes[i] = o
				fmt.Fprintf(r.Log, "mutant %d/%d %s: %s (%.0f s) %s\n", done, len(mutants), m.Name, o.Verdict, o.Seconds, o.Detail)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

// one applies, builds and runs one mutant, and restores the file whatever happened.
func (r *Runner) one(ctx context.Context, m Mutant) (Verdict, string) {
	restore, err := m.Apply(r.dir)
	if err != nil {
		return Broken, err.Error()
	}
	defer func() {
		if err := restore(); err != nil {
			fmt.Fprintf(r.Log, "mutant %s: restore %s: %v\n", m.Name, m.File, err)
		}
	}()
	var vet []string
	if strings.HasSuffix(m.File, ".go") {
		vet = append(vet, "./"+path.Dir(filepath.ToSlash(m.File)))
	}
	bin, err := r.Build(ctx, vet...)
	if err != nil {
		return Broken, err.Error()
	}
	res, err := r.Gate(ctx, bin, m.Tags)
	if err != nil {
		return Broken, err.Error()
	}
	return Attribute(m, res.Scenarios)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Table renders the outcomes for a terminal.
func (r Report) Table() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tFAMILY\tGUARDING SCENARIO\tVERDICT\tSECONDS")
	for _, o := range r.Outcomes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\n", o.Mutant.Name, o.Mutant.Family, o.Mutant.Scenario, o.Verdict, o.Seconds)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\ngate self-test: %d of %d mutants killed by their guarding scenario", r.Killed(), len(r.Outcomes))
	if h := r.Holes(); h > 0 {
		fmt.Fprintf(&b, "; %d declared holes", h)
	}
	b.WriteString("\n")
	for _, o := range r.Outcomes {
		switch {
		case o.Verdict != Killed && o.Mutant.Hole != "":
			fmt.Fprintf(&b, "  %s %s, a declared hole: %s\n", o.Mutant.Name, strings.ToUpper(string(o.Verdict)), o.Mutant.Hole)
		case o.Verdict != Killed:
			fmt.Fprintf(&b, "  %s %s: %s\n", o.Mutant.Name, strings.ToUpper(string(o.Verdict)), o.Detail)
		case o.Mutant.Hole != "":
			fmt.Fprintf(&b, "  %s is killed now: remove its hole mark\n", o.Mutant.Name)
		}
	}
	return b.String()
}

// Markdown renders the report for people: one row per mutant with its promise.
func (r Report) Markdown() string {
	var b strings.Builder
	verdict := "PASS"
	if !r.Passed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "# Gate self-test: %s\n\n%d of %d mutants killed by their guarding scenario at the guarding step, on the %s stack (%s).",
		verdict, r.Killed(), len(r.Outcomes), r.Stack, r.Started.Format(time.RFC3339))
	if h := r.Holes(); h > 0 {
		fmt.Fprintf(&b, " %d are declared holes: the gate does not catch them yet (see Observed).", h)
	}
	b.WriteString("\n\n")
	b.WriteString("| Mutant | Promise | Guarding scenario / step | Verdict | s | Observed |\n|---|---|---|---|---:|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }
	for _, o := range r.Outcomes {
		verdict, detail := string(o.Verdict), o.Detail
		if o.Mutant.Hole != "" && o.Verdict != Killed {
			verdict, detail = verdict+" (declared hole)", o.Mutant.Hole+" — "+detail
		}
		fmt.Fprintf(&b, "| %s | %s | %s / %s | %s | %.0f | %s |\n", cell(o.Mutant.Name), cell(o.Mutant.Promise),
			cell(o.Mutant.Scenario), cell(o.Mutant.Step), verdict, o.Seconds, cell(detail))
	}
	return b.String()
}

// Write saves report.json and report.md under dir/<UTC start>/ and returns that folder.
func (r Report) Write(dir string) (string, error) {
	out := filepath.Join(dir, r.Started.Format("20060102T150405Z"))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("write self-test report: %w", err)
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("write self-test report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "report.json"), j, 0o644); err != nil {
		return "", fmt.Errorf("write self-test report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "report.md"), []byte(r.Markdown()), 0o644); err != nil {
		return "", fmt.Errorf("write self-test report: %w", err)
	}
	return out, nil
}
