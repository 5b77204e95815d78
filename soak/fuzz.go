package soak

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FuzzTarget is a fuzz function and its package (a path relative to the repository).
type FuzzTarget struct {
	Package string `json:"package"`
	Name    string `json:"name"`
}

// DefaultFuzzTargets are the fuzz targets of the pipeline's parsers and validators.
var DefaultFuzzTargets = []FuzzTarget{
	{Package: "./reference/wire", Name: "FuzzDecode"},
	{Package: "./reference/sequence", Name: "FuzzValidator"},
	{Package: "./reference/producer", Name: "FuzzValidateTenant"},
}

// DefaultFuzzMinimizeTime is the -fuzzminimizetime RunFuzz passes (Args can override it:
// the last flag wins). Go's default, 60 s, lets a worker minimize each new interesting
// input for up to a minute without counting executions: on this machine
// FuzzValidateTenant sat at 0 execs/s for most of its budget.
const DefaultFuzzMinimizeTime = "100x"

// FuzzResult is one fuzzing session of one target.
type FuzzResult struct {
	FuzzTarget
	// Budget is the -fuzztime given: a duration ("2m") or an execution count ("1000000x").
	Budget  string  `json:"budget"`
	Execs   int64   `json:"execs"`
	Seconds float64 `json:"seconds"`
	// Crashers are the failing inputs Go wrote, relative to the repository
	// (PKG/testdata/fuzz/NAME/HASH); each is a regression test from then on.
	Crashers []string `json:"crashers,omitempty"`
	ExitCode int      `json:"exit_code"`
	Log      string   `json:"log"`
	Err      string   `json:"error,omitempty"`
}

// OK reports whether the session ended cleanly: exit code 0, no crasher, no error.
func (r FuzzResult) OK() bool { return r.ExitCode == 0 && len(r.Crashers) == 0 && r.Err == "" }

// RunFuzz fuzzes one target for budget (go test -run=^$ -fuzz=^NAME$ -fuzztime=BUDGET
// -fuzzminimizetime=DefaultFuzzMinimizeTime PKG [Args...]), writing the output to
// logPath, and parses the executions and crashers from it.
func RunFuzz(ctx context.Context, t FuzzTarget, budget, logPath string, opts ...Opt) FuzzResult {
	if d, err := time.ParseDuration(budget); err == nil {
		opts = append([]Opt{Timeout(d + 5*time.Minute)}, opts...)
	}
	c := newConfig(opts)
	r := FuzzResult{FuzzTarget: t, Budget: budget, Log: logPath}
	start := time.Now()
	args := append([]string{"test", "-run=^$", "-fuzz=^" + t.Name + "$", "-fuzztime=" + budget,
		"-fuzzminimizetime=" + DefaultFuzzMinimizeTime, t.Package}, c.args...)
	code, err := runChild(ctx, c, c.repo, logPath, "go", args...)
	r.Seconds = time.Since(start).Seconds()
	r.ExitCode = code
	if err != nil {
		r.Err = err.Error()
	}
	out, _ := os.ReadFile(logPath)
	var crashers []string
	r.Execs, crashers = ParseFuzzOutput(string(out))
	for _, cr := range crashers {
		r.Crashers = append(r.Crashers, filepath.ToSlash(filepath.Join(t.Package, cr)))
	}
	if code != 0 && len(r.Crashers) == 0 && r.Err == "" {
		r.Err = "go test -fuzz exited " + strconv.Itoa(code) + " without a crasher: see " + logPath
	}
	return r
}

var (
	fuzzExecs   = regexp.MustCompile(`fuzz: elapsed: \S+, execs: (\d+) `)
	fuzzCrasher = regexp.MustCompile(`Failing input written to (\S+)`)
)

// ParseFuzzOutput returns the executions of a go test -fuzz session (the largest count
// of its "fuzz: elapsed: ..., execs: N" lines: the last one is the total) and the paths
// of the failing inputs it wrote (relative to the package).
func ParseFuzzOutput(out string) (execs int64, crashers []string) {
	for _, m := range fuzzExecs.FindAllStringSubmatch(out, -1) {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil && n > execs {
			execs = n
		}
	}
	for _, m := range fuzzCrasher.FindAllStringSubmatch(out, -1) {
		crashers = append(crashers, strings.TrimRight(m[1], ".:"))
	}
	return execs, crashers
}
