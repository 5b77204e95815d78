package soak

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SuiteRun is one run of the acceptance suite (TestFeatures) on one stack.
type SuiteRun struct {
	// Stack is the stack the run used (dssoak labels the local @multi-broker pass
	// "local-3brokers").
	Stack string `json:"stack"`
	Index int    `json:"index"`
	// ReportDir is the -report-dir the run was given; Report is the run's own
	// <run-id> directory inside it (empty when the run wrote none).
	ReportDir string  `json:"report_dir"`
	Report    string  `json:"report,omitempty"`
	Log       string  `json:"log"`
	ExitCode  int     `json:"exit_code"`
	Seconds   float64 `json:"seconds"`
	Scenarios int     `json:"scenarios"`
	Passed    int     `json:"passed"`
	Skipped   int     `json:"skipped"`
	// Failures are the scenarios that did not pass or skip.
	Failures []ScenarioResult `json:"failures,omitempty"`
	// Err says why the run as a whole failed without a scenario to blame (no report,
	// unreadable cucumber.json, a gate failure with every scenario passed, a timeout).
	Err string `json:"error,omitempty"`
}

// OK reports whether the run passed: exit code 0, a report, no failed scenario.
func (r SuiteRun) OK() bool { return r.ExitCode == 0 && r.Err == "" && len(r.Failures) == 0 }

// BuildSuite compiles the acceptance suite's test binary (go test -c ./steps) to out, once
// for every run.
func BuildSuite(ctx context.Context, out string, opts ...Opt) error {
	c := newConfig(opts)
	code, err := runChild(ctx, c, c.repo, out+".build.log", "go", "test", "-c", "-o", out, "./steps")
	log, _ := os.ReadFile(out + ".build.log")
	switch {
	case err != nil:
		return fmt.Errorf("build suite: %w\n%s", err, log)
	case code != 0:
		return fmt.Errorf("build suite: go test -c ./steps exited %d: fix what the compiler says:\n%s", code, log)
	}
	return nil
}

// RunSuite runs the suite binary bin (from BuildSuite) once on stack with its own report
// directory reportDir, writing its output to reportDir+".log". It never retries. A run
// that ends without a report counts as failed, so does one whose exit code is not 0.
// Feature paths, tags and other flags go in Args.
func RunSuite(ctx context.Context, bin, stack string, index int, reportDir string, opts ...Opt) SuiteRun {
	c := newConfig(opts)
	r := SuiteRun{Stack: stack, Index: index, ReportDir: reportDir, Log: reportDir + ".log"}
	if err := os.MkdirAll(reportDir, 0o755); err != nil {
		r.ExitCode, r.Err = -1, err.Error()
		return r
	}
	args := append([]string{"-test.run", "^TestFeatures$", "-test.count=1",
		"-test.timeout=" + c.timeout.String(), "-stack=" + stack, "-report-dir=" + reportDir}, c.args...)
	start := time.Now()
	code, err := runChild(ctx, c, filepath.Join(c.repo, "steps"), r.Log, bin, args...)
	r.Seconds = time.Since(start).Seconds()
	r.ExitCode = code
	if err != nil {
		r.Err = err.Error()
	}
	r.Report = findReport(reportDir)
	if r.Report == "" {
		r.Err = join(r.Err, fmt.Sprintf("no report written (exit code %d): the run died; see %s", code, r.Log))
		return r
	}
	data, err := os.ReadFile(filepath.Join(r.Report, "cucumber.json"))
	if err != nil {
		r.Err = join(r.Err, "report without cucumber.json: "+err.Error())
		return r
	}
	results, err := ParseCucumber(data)
	if err != nil {
		r.Err = join(r.Err, err.Error())
		return r
	}
	Causes(results, filepath.Join(r.Report, "evidence.json"))
	r.Scenarios = len(results)
	for _, s := range results {
		switch {
		case s.Status == "skipped":
			r.Skipped++
		case s.Failed():
			r.Failures = append(r.Failures, s)
		default:
			r.Passed++
		}
	}
	if code != 0 && len(r.Failures) == 0 && r.Err == "" {
		r.Err = fmt.Sprintf("exit code %d with no failed scenario in cucumber.json: see %s", code, r.Log)
	}
	return r
}

// findReport returns the run directory (holding evidence.json) under reportDir.
func findReport(reportDir string) string {
	entries, _ := os.ReadDir(reportDir)
	for _, e := range entries {
		p := filepath.Join(reportDir, e.Name())
		if _, err := os.Stat(filepath.Join(p, "evidence.json")); e.IsDir() && err == nil {
			return p
		}
	}
	return ""
}

// join joins two messages with "; ", leaving out an empty one.
func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
