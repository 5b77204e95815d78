package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// External is the result of a soak program of another package (soak/cmd/dswsload,
// soak/cmd/dsdelivery): its exit code and the JSON it wrote, folded in as is.
type External struct {
	Name     string  `json:"name"`
	Package  string  `json:"package"`
	ExitCode int     `json:"exit_code"`
	Seconds  float64 `json:"seconds"`
	Log      string  `json:"log"`
	JSONPath string  `json:"json_path"`
	// Result is the program's JSON, verbatim; nil when it wrote none.
	Result json.RawMessage `json:"result,omitempty"`
	// Missing says what is missing (the package, or its JSON) when something is.
	Missing string `json:"missing,omitempty"`
	Err     string `json:"error,omitempty"`
}

// OK reports whether the program ran, exited 0 and wrote its JSON.
func (e External) OK() bool { return e.ExitCode == 0 && e.Missing == "" && e.Err == "" }

// RunExternal builds PKG (go build, next to logPath) and runs it as PKG -json JSONPATH
// [Args...] in the repository, then folds in the JSON it writes. The program exits non-zero when one of its invariants is broken.
func RunExternal(ctx context.Context, name, pkg, jsonPath, logPath string, opts ...Opt) External {
	c := newConfig(opts)
	e := External{Name: name, Package: pkg, JSONPath: jsonPath, Log: logPath, ExitCode: -1}
	if m, _ := filepath.Glob(filepath.Join(c.repo, pkg, "*.go")); len(m) == 0 {
		e.Missing = pkg + " has no Go files: its phase did not run"
		return e
	}
	_ = os.Remove(jsonPath)
	start := time.Now()
	// Built first, not go run: a signal reaches the program itself, not only the go command.
	bin, err := filepath.Abs(strings.TrimSuffix(logPath, filepath.Ext(logPath)) + ".bin")
	if err != nil {
		e.Err = err.Error()
		return e
	}
	if code, err := runChild(ctx, c, c.repo, logPath, "go", "build", "-o", bin, pkg); code != 0 || err != nil {
		e.Err = fmt.Sprintf("go build %s exited %d (%v): see %s", pkg, code, err, logPath)
		return e
	}
	defer os.Remove(bin)
	args := append([]string{"-json", jsonPath}, c.args...)
	code, err := runChild(ctx, c, c.repo, logPath, bin, args...)
	e.Seconds = time.Since(start).Seconds()
	e.ExitCode = code
	if err != nil {
		e.Err = err.Error()
	}
	data, err := os.ReadFile(jsonPath)
	switch {
	case err != nil:
		e.Missing = fmt.Sprintf("%s wrote no JSON (exit code %d): see %s", pkg, code, logPath)
	case !json.Valid(data):
		e.Missing = fmt.Sprintf("%s wrote invalid JSON to %s", pkg, jsonPath)
	default:
		e.Result = json.RawMessage(data)
	}
	if code != 0 && e.Err == "" {
		e.Err = fmt.Sprintf("exit code %d: an invariant is broken or the program failed: see %s", code, logPath)
	}
	return e
}

// Highlights returns the scalar top-level fields of the program's JSON as "key=value",
// sorted, for the summary table (at most max of them).
func (e External) Highlights(max int) string {
	var m map[string]any
	if json.Unmarshal(e.Result, &m) != nil {
		return ""
	}
	var out []string
	for k, v := range m {
		switch v := v.(type) {
		case string, bool:
			out = append(out, fmt.Sprintf("%s=%v", k, v))
		case float64:
			out = append(out, fmt.Sprintf("%s=%g", k, v))
		}
	}
	sort.Strings(out)
	if len(out) > max {
		out = append(out[:max], "...")
	}
	return strings.Join(out, " ")
}
