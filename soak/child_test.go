package soak

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

// faultLine is what the suite prints once a fault is injected (with the patch
// .briefs/patches/soak-fault-injected-line.diff).
const faultLine = "fault injected:"

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// childRun is one run of the suite in a child process, ended.
type childRun struct {
	child     Child
	exitCode  int
	out       *lockedBuffer
	reports   string
	faultSeen bool
}

// tail returns the last 80 lines of the child's output, for failure messages.
func (r childRun) tail() string {
	lines := strings.Split(r.out.String(), "\n")
	if len(lines) > 80 {
		lines = lines[len(lines)-80:]
	}
	return strings.Join(lines, "\n")
}

// scenarios parses the cucumber.json of the run's report.
func (r childRun) scenarios(t *testing.T) []ScenarioResult {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(r.reports, "*", "cucumber.json"))
	require.NoError(t, err)
	require.Len(t, m, 1, "the run wrote no report:\n%s", r.tail())
	data, err := os.ReadFile(m[0])
	require.NoError(t, err)
	res, err := ParseCucumber(data)
	require.NoError(t, err)
	return res
}

// runChildSuite runs the suite binary on the embedded stack with a fresh TMPDIR and its
// own report directory, and waits for it to end. With interrupt, it sends SIGINT once a
// process of the run is frozen (the broker outage is under way).
func runChildSuite(ctx context.Context, t *testing.T, bin, root string, args []string, interrupt bool) childRun {
	t.Helper()
	base := t.TempDir()
	tmp := filepath.Join(base, "tmp")
	require.NoError(t, os.Mkdir(tmp, 0o755))
	r := childRun{out: &lockedBuffer{}, reports: filepath.Join(base, "reports"), exitCode: -1}
	cmd := exec.CommandContext(ctx, bin, append([]string{"-test.run", "^TestFeatures$", "-test.count=1",
		"-stack=embedded", "-report-dir=" + r.reports, "-godog.format=pretty"}, args...)...)
	cmd.Dir = filepath.Join(root, "steps")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.Stdout, cmd.Stderr = r.out, r.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Minute
	require.NoError(t, cmd.Start())
	r.child = Child{PID: cmd.Process.Pid, EnvMarker: "TMPDIR=" + tmp, TempDir: tmp}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-doneOrNil(done) })

	var err error
	ended := false
	if interrupt {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(3 * time.Minute)
	wait:
		for {
			select {
			case err = <-done:
				ended = true
				break wait
			case <-deadline:
				t.Fatalf("no broker of the run was frozen within 3 minutes:\n%s", r.tail())
			case <-tick.C:
				p := pausedIn(r.child)
				if p == "" && strings.Contains(r.out.String(), faultLine) {
					p = "the output says " + faultLine
				}
				if p != "" {
					r.faultSeen = true
					t.Logf("fault injected: %s; sending SIGINT", p)
					require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
					break wait
				}
			}
		}
	}
	if !ended {
		select {
		case err = <-done:
		case <-ctx.Done():
			t.Fatalf("the run did not end before the test's deadline:\n%s", r.tail())
		}
	}
	done <- err // for the cleanup
	var exit *exec.ExitError
	switch {
	case err == nil:
		r.exitCode = 0
	case errors.As(err, &exit):
		r.exitCode = exit.ExitCode()
	default:
		t.Fatalf("run the suite: %v", err)
	}
	return r
}

// doneOrNil returns done, or a closed channel when nothing will ever arrive on it within
// a minute (the cleanup must not hang).
func doneOrNil(done chan error) <-chan error {
	out := make(chan error, 1)
	go func() {
		select {
		case err := <-done:
			out <- err
		case <-time.After(time.Minute):
			close(out)
		}
	}()
	return out
}
