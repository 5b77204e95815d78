package soak

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// FuzzGoal is the total number of fuzz executions a soak run should reach.
const FuzzGoal = 10_000_000

// Summary is everything one soak run found; it is written as JSON and printed as a table.
type Summary struct {
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	Phases  []string  `json:"phases"`
	// Machine is what else ran: /proc/loadavg at the start and the end, and the other
	// harness processes alive at the start.
	Machine Machine `json:"machine"`

	Runs      []SuiteRun      `json:"runs,omitempty"`
	Scenarios []ScenarioFlake `json:"scenarios,omitempty"`

	Fuzz       []FuzzResult `json:"fuzz,omitempty"`
	FuzzExecs  int64        `json:"fuzz_execs"`
	FuzzGoalOK bool         `json:"fuzz_goal_reached"`

	Leaks *LeakPhase `json:"leaks,omitempty"`

	WS       *External `json:"ws,omitempty"`
	Delivery *External `json:"delivery,omitempty"`

	// Failures are the reasons the soak run fails (exit non-zero); Warnings are reported
	// but do not fail it (a goal not reached, a program missing).
	Failures []string `json:"failures,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Machine describes the load on the machine while the soak ran.
type Machine struct {
	LoadStart string   `json:"load_start"`
	LoadEnd   string   `json:"load_end,omitempty"`
	Others    []string `json:"others_at_start,omitempty"`
}

// ScenarioFlake is one scenario across every run of one stack.
type ScenarioFlake struct {
	Stack    string   `json:"stack"`
	Feature  string   `json:"feature"`
	Name     string   `json:"name"`
	Failures int      `json:"failures"`
	Runs     []int    `json:"failed_runs"`
	Causes   []string `json:"causes"`
}

// LoadAvg returns /proc/loadavg's first three fields ("" when unreadable).
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// Finish computes the per-scenario flakes, the fuzz total, the failures and warnings.
func (s *Summary) Finish() {
	s.Ended = time.Now().UTC()
	s.Machine.LoadEnd = LoadAvg()
	s.Failures, s.Warnings, s.Scenarios = nil, nil, nil
	flakes := map[string]*ScenarioFlake{}
	for _, r := range s.Runs {
		if r.Err != "" {
			s.Failures = append(s.Failures, fmt.Sprintf("%s run %d: %s", r.Stack, r.Index, r.Err))
		}
		for _, f := range r.Failures {
			key := r.Stack + "\x00" + f.Feature + "\x00" + f.Name
			fl := flakes[key]
			if fl == nil {
				fl = &ScenarioFlake{Stack: r.Stack, Feature: f.Feature, Name: f.Name}
				flakes[key] = fl
			}
			fl.Failures++
			fl.Runs = append(fl.Runs, r.Index)
			cause := f.Cause
			if cause == "" {
				cause = f.Error
			}
			fl.Causes = append(fl.Causes, fmt.Sprintf("run %d (%s): %s", r.Index, f.Status, cause))
		}
	}
	for _, fl := range flakes {
		s.Scenarios = append(s.Scenarios, *fl)
		s.Failures = append(s.Failures, fmt.Sprintf("%s: %q (%s) failed %d time(s)", fl.Stack, fl.Name, fl.Feature, fl.Failures))
	}
	sort.Slice(s.Scenarios, func(i, j int) bool { return s.Scenarios[i].Failures > s.Scenarios[j].Failures })
	sort.Strings(s.Failures)
	s.FuzzExecs = 0
	for _, f := range s.Fuzz {
		s.FuzzExecs += f.Execs
		for _, c := range f.Crashers {
			s.Failures = append(s.Failures, fmt.Sprintf("fuzz %s crashed: input %s (now a regression test)", f.Name, c))
		}
		if f.Err != "" {
			s.Failures = append(s.Failures, fmt.Sprintf("fuzz %s: %s", f.Name, f.Err))
		}
	}
	s.FuzzGoalOK = s.FuzzExecs >= FuzzGoal
	if len(s.Fuzz) > 0 && !s.FuzzGoalOK {
		s.Warnings = append(s.Warnings, fmt.Sprintf("fuzzing reached %d executions, below the goal of %d: raise SOAK_FUZZTIME", s.FuzzExecs, FuzzGoal))
	}
	if s.Leaks != nil && !s.Leaks.OK() {
		msg := "leak test failed: see " + s.Leaks.Log
		if s.Leaks.Err != "" {
			msg = "leak test: " + s.Leaks.Err
		}
		s.Failures = append(s.Failures, msg)
	}
	for _, e := range []*External{s.WS, s.Delivery} {
		switch {
		case e == nil:
		case !e.OK():
			s.Failures = append(s.Failures, e.Name+": "+join(e.Err, e.Missing))
		}
	}
}

// OK reports whether the soak run found nothing that fails it (call Finish first).
func (s *Summary) OK() bool { return len(s.Failures) == 0 }

// WriteJSON writes the summary to dir/<UTC timestamp>.json and copies it to
// dir/latest.json. It returns the timestamped path.
func WriteJSON(dir string, s *Summary) (string, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", fmt.Errorf("write summary: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write summary: %w", err)
	}
	path := filepath.Join(dir, s.Started.UTC().Format("20060102T150405Z")+".json")
	for _, p := range []string{path, filepath.Join(dir, "latest.json")} {
		if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
			return "", fmt.Errorf("write summary: %w", err)
		}
	}
	return path, nil
}

// PrintTable writes the human summary: runs, flaky scenarios, fuzzing, leaks, ws and
// delivery, and the verdict.
func PrintTable(w io.Writer, s *Summary) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "soak %s -> %s  phases %s  load %s -> %s\n", s.Started.Format(time.RFC3339),
		s.Ended.Format("15:04:05Z"), strings.Join(s.Phases, ","), s.Machine.LoadStart, s.Machine.LoadEnd)
	if len(s.Runs) > 0 {
		fmt.Fprintln(tw, "\nSUITE RUN\tEXIT\tSECONDS\tSCENARIOS\tPASSED\tSKIPPED\tFAILED\tREPORT")
		for _, r := range s.Runs {
			fmt.Fprintf(tw, "%s #%d\t%d\t%.0f\t%d\t%d\t%d\t%d\t%s\n", r.Stack, r.Index, r.ExitCode, r.Seconds,
				r.Scenarios, r.Passed, r.Skipped, len(r.Failures), orDash(r.Report))
		}
	}
	if len(s.Scenarios) > 0 {
		fmt.Fprintln(tw, "\nFAILED SCENARIO\tSTACK\tFEATURE\tFAILURES\tRUNS")
		for _, f := range s.Scenarios {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%v\n", f.Name, f.Stack, f.Feature, f.Failures, f.Runs)
		}
	}
	if len(s.Fuzz) > 0 {
		fmt.Fprintln(tw, "\nFUZZ TARGET\tPACKAGE\tBUDGET\tEXECS\tEXECS/S\tCRASHERS")
		for _, f := range s.Fuzz {
			rate := 0.0
			if f.Seconds > 0 {
				rate = float64(f.Execs) / f.Seconds
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.0f\t%d\n", f.Name, f.Package, f.Budget, f.Execs, rate, len(f.Crashers))
		}
		fmt.Fprintf(tw, "total\t\t\t%d\t\tgoal %d reached: %v\n", s.FuzzExecs, FuzzGoal, s.FuzzGoalOK)
	}
	if s.Leaks != nil {
		fmt.Fprintln(tw, "\nLEAK CHECK\tPASSED\tSECONDS\tPROCS\tPORTS\tCONTAINERS\tTEMP\tFOREIGN (not counted)")
		for _, c := range s.Leaks.Checks {
			l := Leaks{}
			if c.Leaks != nil {
				l = *c.Leaks
			}
			containers := "no docker"
			if l.DockerChecked {
				containers = fmt.Sprint(len(l.Containers))
			}
			fmt.Fprintf(tw, "%s\t%v\t%.0f\t%d\t%d\t%s\t%d\t%d\n", c.Mode, c.Passed, c.Seconds,
				len(l.Processes), len(l.Ports), containers, len(l.TempFiles), len(l.Foreign))
		}
	}
	for _, e := range []*External{s.WS, s.Delivery} {
		if e == nil {
			continue
		}
		fmt.Fprintf(tw, "\n%s (%s)\texit %d\t%.0f s\t%s\n", e.Name, e.Package, e.ExitCode, e.Seconds,
			orDash(join(e.Missing, e.Highlights(8))))
	}
	tw.Flush()
	for _, f := range s.Failures {
		fmt.Fprintln(w, "FAIL:", f)
	}
	for _, f := range s.Scenarios {
		for _, c := range f.Causes {
			fmt.Fprintf(w, "  %s: %s\n", f.Name, c)
		}
	}
	for _, f := range s.Warnings {
		fmt.Fprintln(w, "WARN:", f)
	}
	if s.OK() {
		fmt.Fprintln(w, "soak: PASS")
	} else {
		fmt.Fprintf(w, "soak: FAIL (%d problem(s))\n", len(s.Failures))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
