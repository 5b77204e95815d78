package steps

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/tools"
)

// TestInterruptLeavesNothing runs the suite in a child process, interrupts it with SIGINT
// in the middle of a chaos scenario (a broker frozen, a producer and a consumer running),
// and checks that no process and no temporary directory of that run remains.
func TestInterruptLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the acceptance suite in a child process: skipped with -short")
	}
	root, err := tools.RepoRoot()
	require.NoError(t, err)
	tmp := t.TempDir()
	runTmp := filepath.Join(tmp, "run") // the child's TMPDIR: every process it starts inherits it
	require.NoError(t, os.Mkdir(runTmp, 0o755))
	bin := filepath.Join(tmp, "steps.test")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.CommandContext(ctx, bin, "-test.run", "^TestFeatures$", "-stack=embedded",
		"-godog.tags=@outage && ~@multi-broker", "-godog.concurrency=1", "-godog.format=pretty",
		"-report-dir", filepath.Join(tmp, "reports"), filepath.Join(root, "features", "broker_outage.feature"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TMPDIR="+runTmp)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	// Interrupt once a broker outage is under way: the harness says so when it injects it
	// (godog prints the step only when it has ended, after the outage).
	var seen bytes.Buffer
	interrupted := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if !interrupted && strings.Contains(sc.Text(), "fault injected: ") {
			time.Sleep(time.Second) // inside the 3 s outage
			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
			interrupted = true
		}
	}
	require.True(t, interrupted, "no outage step started; output:\n%s", seen.String())
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "output:\n%s", seen.String())
	require.Equal(t, 130, exit.ExitCode(), "output:\n%s", seen.String())

	require.Empty(t, processesWithEnv("TMPDIR="+runTmp), "processes of the interrupted run are still alive")
	left, err := os.ReadDir(runTmp)
	require.NoError(t, err)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	require.Empty(t, names, "temporary files of the interrupted run remain")
}

// processesWithEnv returns the command lines of the processes whose environment holds kv.
func processesWithEnv(kv string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, v := range bytes.Split(env, []byte{0}) {
			if string(v) == kv {
				cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
				out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
				break
			}
		}
	}
	return out
}
