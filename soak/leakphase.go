package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"time"
)

// EnvLeaksJSON names the file TestSuiteLeavesNothing writes its per-mode findings to (a
// JSON object: mode -> Leaks) when set.
const EnvLeaksJSON = "SOAK_LEAKS_JSON"

// LeakCheck is one mode of the leak test (normal, failing, interrupted).
type LeakCheck struct {
	Mode    string  `json:"mode"`
	Passed  bool    `json:"passed"`
	Seconds float64 `json:"seconds"`
	Leaks   *Leaks  `json:"leaks,omitempty"`
}

// LeakPhase is the result of the leak test run by RunLeakTest.
type LeakPhase struct {
	Checks   []LeakCheck `json:"checks"`
	ExitCode int         `json:"exit_code"`
	Seconds  float64     `json:"seconds"`
	Log      string      `json:"log"`
	Err      string      `json:"error,omitempty"`
}

// OK reports whether the test passed with at least one mode checked and nothing left.
func (p LeakPhase) OK() bool {
	if p.ExitCode != 0 || p.Err != "" || len(p.Checks) == 0 {
		return false
	}
	for _, c := range p.Checks {
		if !c.Passed || (c.Leaks != nil && c.Leaks.Count() > 0) {
			return false
		}
	}
	return true
}

// RunLeakTest runs go test -json -run '^TestSuiteLeavesNothing$' ./soak and reads the
// result of each mode from the test events, and what was left from the findings file.
func RunLeakTest(ctx context.Context, logPath, findingsPath string, opts ...Opt) LeakPhase {
	opts = append(opts, Env(EnvLeaksJSON+"="+findingsPath))
	c := newConfig(opts)
	p := LeakPhase{Log: logPath}
	_ = os.Remove(findingsPath)
	start := time.Now()
	code, err := runChild(ctx, c, c.repo, logPath, "go", "test", "-json", "-count=1",
		"-timeout="+c.timeout.String(), "-run=^TestSuiteLeavesNothing$", "./soak")
	p.Seconds = time.Since(start).Seconds()
	p.ExitCode = code
	if err != nil {
		p.Err = err.Error()
	}
	f, err := os.Open(logPath)
	if err == nil {
		p.Checks = parseTestEvents(bufio.NewScanner(f), "TestSuiteLeavesNothing/")
		f.Close()
	}
	var findings map[string]Leaks
	if data, err := os.ReadFile(findingsPath); err == nil && json.Unmarshal(data, &findings) == nil {
		for i := range p.Checks {
			if l, ok := findings[p.Checks[i].Mode]; ok {
				p.Checks[i].Leaks = &l
			}
		}
	}
	if len(p.Checks) == 0 && p.Err == "" {
		p.Err = "the leak test checked no mode (skipped or did not build): see " + logPath
	}
	return p
}

// parseTestEvents reads go test -json events and returns the pass/fail of the subtests
// under prefix, sorted by name.
func parseTestEvents(sc *bufio.Scanner, prefix string) []LeakCheck {
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	byMode := map[string]LeakCheck{}
	for sc.Scan() {
		var ev struct {
			Action  string
			Test    string
			Elapsed float64
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || !strings.HasPrefix(ev.Test, prefix) {
			continue
		}
		mode := strings.TrimPrefix(ev.Test, prefix)
		switch ev.Action {
		case "pass", "fail":
			byMode[mode] = LeakCheck{Mode: mode, Passed: ev.Action == "pass", Seconds: ev.Elapsed}
		}
	}
	out := make([]LeakCheck, 0, len(byMode))
	for _, c := range byMode {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mode < out[j].Mode })
	return out
}
