// Command gateselftest checks that the release gate catches the defects behind the
// pipeline's incidents: it puts each defect back into a temporary copy of the repository
// (a mutant), runs the scenarios that guard against it, and expects the gate to fail.
// A mutant the gate lets pass is a hole in the gate.
//
//	go run ./steps/gateselftest [-stack embedded] [-only name]
//
// It first runs the same scenarios on the unmodified copy, which must pass: a gate that
// fails anyway proves nothing. Exit status: 0 when every mutant was caught, 1 otherwise.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dashstream/acceptance/system/tools"
)

// mutant is one defect put back into the reference implementation or its fixtures.
type mutant struct {
	Name     string // short id
	Incident string // what went wrong in production
	File     string // path relative to the repository
	Find     string // text that must occur exactly once in File
	Replace  string // what it becomes
	Tags     string // godog tag expression selecting the guarding scenarios
}

var mutants = []mutant{
	{
		Name: "sequence-always-zero", Incident: "the producer stamped sequence 0 on every message",
		File: "reference/producer/header.go", Find: "h.Sequence = seq", Replace: "h.Sequence = 0",
		Tags: "@sequences",
	},
	{
		Name: "tenant-hard-coded", Incident: "the tenant id was hard-coded instead of read from TENANT_ID",
		File: "reference/producer/header.go", Find: "h.TenantId = tenant", Replace: `h.TenantId = "default"`,
		Tags: "@tenants",
	},
	{
		Name: "health-from-all-time-counters", Incident: "/health was computed from all-time error counters and never recovered",
		File: "reference/wsserver/health.go", Find: "if n := m.RecentKafkaErrors; n > 0 {", Replace: "if n := m.KafkaErrors; n > 0 {",
		Tags: "@websocket && @chaos",
	},
	{
		Name: "exporter-retries-without-backoff", Incident: "the exporter retried an unreachable broker without backing off (10.2 GB sent)",
		File: "reference/backoff/policy.go", Find: "return d/2 + time.Duration(r*float64(d/2))", Replace: "return 0",
		Tags: "@exporter",
	},
	{
		Name: "alert-rule-missing", Incident: "the ServiceDown alert rule was missing from the deployed rules",
		File: "fixtures/prometheus/rules/dashstream.rules.yml", Find: serviceDownRule, Replace: "",
		Tags: "@alerting",
	},
}

// serviceDownRule is the ServiceDown rule as fixtures/prometheus/rules/dashstream.rules.yml
// has it; the alert-rule-missing mutant deletes it.
const serviceDownRule = `      - alert: ServiceDown
        expr: |
          up == 0
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.job }} target {{ $labels.instance }} is down"
          description: "Prometheus could not scrape {{ $labels.instance }} (job {{ $labels.job }}) for 1 minute."
          runbook_url: "https://runbooks.example.com/dashstream/ServiceDown"

`

func main() {
	stackName := flag.String("stack", "embedded", "stack the scenarios run on")
	only := flag.String("only", "", "run only the mutant with this name")
	flag.Parse()
	root, err := tools.RepoRoot()
	if err != nil {
		fail(err)
	}
	bin, err := tools.BinDir()
	if err != nil {
		fail(err)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tINCIDENT\tSCENARIOS\tVERDICT\tSECONDS")
	killed, total := 0, 0
	for _, m := range mutants {
		if *only != "" && m.Name != *only {
			continue
		}
		total++
		fmt.Fprintf(os.Stderr, "mutant %s: running %s on a clean and a mutated copy...\n", m.Name, m.Tags)
		verdict, took, err := check(root, bin, *stackName, m)
		if err != nil {
			verdict = "ERROR: " + err.Error()
		} else if verdict == "killed" {
			killed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\n", m.Name, m.Incident, m.Tags, verdict, took.Seconds())
	}
	tw.Flush()
	fmt.Printf("\ngate self-test: %d of %d mutants killed\n", killed, total)
	if killed != total {
		os.Exit(1)
	}
}

// check runs the mutant's scenarios on a clean copy (must pass) and on the mutated copy
// (must fail the gate), and says "killed" or "SURVIVED".
func check(root, bin, stackName string, m mutant) (string, time.Duration, error) {
	start := time.Now()
	dir, err := os.MkdirTemp("", "dashstream-mutant-")
	if err != nil {
		return "", 0, err
	}
	defer os.RemoveAll(dir)
	if err := copyRepo(root, dir); err != nil {
		return "", 0, err
	}
	if ok, out := runGate(dir, bin, stackName, m.Tags); !ok {
		return "", time.Since(start), fmt.Errorf("the unmodified scenarios fail, so the mutant proves nothing:\n%s", tail(out, 15))
	}
	path := filepath.Join(dir, m.File)
	src, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	if n := bytes.Count(src, []byte(m.Find)); n != 1 {
		return "", 0, fmt.Errorf("%q occurs %d times in %s, not once: update the mutant", m.Find, n, m.File)
	}
	if err := os.WriteFile(path, bytes.Replace(src, []byte(m.Find), []byte(m.Replace), 1), 0o644); err != nil {
		return "", 0, err
	}
	ok, out := runGate(dir, bin, stackName, m.Tags)
	switch {
	case ok:
		return "SURVIVED", time.Since(start), nil
	case !strings.Contains(out, "release gate: FAIL"):
		return "", time.Since(start), fmt.Errorf("the mutant did not run to a gate verdict (does it compile?):\n%s", tail(out, 15))
	}
	return "killed", time.Since(start), nil
}

// runGate runs the acceptance suite in dir and reports whether the gate passed.
func runGate(dir, bin, stackName, tags string) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "./steps", "-run", "TestFeatures", "-args",
		"-stack="+stackName, "-godog.tags="+tags, "-godog.format=progress", "-report-dir="+filepath.Join(dir, "reports"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), tools.EnvBinDir+"="+bin)
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

// copyRepo copies the files git knows of (tracked and untracked, not ignored).
func copyRepo(root, dst string) error {
	list, err := exec.Command("git", "-C", root, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		return fmt.Errorf("list files: %w", err)
	}
	for _, rel := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if rel == "" {
			continue
		}
		if err := copyFile(filepath.Join(root, rel), filepath.Join(dst, rel)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return nil // deleted in the working tree: skip
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gateselftest:", err)
	os.Exit(2)
}
