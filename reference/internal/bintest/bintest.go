// Package bintest builds the reference binaries inside a test and runs them as child
// processes, for tests that check exit codes, stderr and timing the way a user sees them.
//
// Build compiles each package once per test process into a directory that Main removes:
// a test package using Build calls Main from its TestMain. Run kills the child when its
// deadline passes and reports that as a failed test, never as a result.
package bintest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	mu    sync.Mutex
	dir   string
	built = map[string]string{}
)

// Main runs the tests of a package that uses Build and removes the binaries afterwards;
// call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	mu.Unlock()
	os.Exit(code)
}

// Build compiles the main package at pkg (an import path), once per test process, and
// returns the binary's path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if out, ok := built[pkg]; ok {
		return out
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "bintest-")
		require.NoError(t, err)
		dir = d
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	msg, err := exec.CommandContext(ctx, "go", "build", "-o", out, pkg).CombinedOutput()
	require.NoError(t, err, "go build %s: %s", pkg, msg)
	built[pkg] = out
	return out
}

// Result is what a finished child process left behind.
type Result struct {
	Code    int
	Stdout  string
	Stderr  string
	Elapsed time.Duration
}

// Lines returns the non-empty lines of Stdout.
func (r Result) Lines() []string {
	var out []string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// Run runs bin with args and the given environment (added to a minimal one: PATH and
// HOME; KAFKA_BROKERS and TENANT_ID from the test's own environment are not inherited)
// and waits at most timeout. A child still running then is killed and the test fails.
func Run(t testing.TB, timeout time.Duration, env map[string]string, bin string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	require.NoError(t, ctx.Err(), "%s %v still running after %s; stderr: %s", filepath.Base(bin), args, timeout, res.Stderr)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	case err != nil:
		require.NoError(t, err, "run %s", bin)
	}
	return res
}
