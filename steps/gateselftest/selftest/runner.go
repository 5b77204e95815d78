package selftest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/tools"
)

// Runner runs the acceptance suite in a private copy of the repository.
type Runner struct {
	// Root is the repository the copy is made from.
	Root string
	// Stack is the stack the scenarios run on (embedded by default).
	Stack string
	// Timeout bounds one build and one suite run each.
	Timeout time.Duration
	// Log receives progress lines.
	Log io.Writer
	// Workers is how many mutants run at once, each in a copy of its own (default 1).
	Workers int

	dir  string // the copy
	runs int
}

// Prepare makes the copy: the files git knows of (tracked and untracked, not ignored),
// with .bin/kafka-libs linked to the checkout's so that no jar is resolved again.
func (r *Runner) Prepare() error {
	dir, err := os.MkdirTemp("", "dashstream-selftest-")
	if err != nil {
		return fmt.Errorf("prepare copy: %w", err)
	}
	r.dir = dir
	if err := copyRepo(r.Root, dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, ".bin"), 0o755); err != nil {
		return fmt.Errorf("prepare copy: %w", err)
	}
	libs := filepath.Join(r.Root, ".bin", "kafka-libs")
	if _, err := os.Stat(libs); err == nil {
		if err := os.Symlink(libs, filepath.Join(dir, ".bin", "kafka-libs")); err != nil {
			return fmt.Errorf("prepare copy: %w", err)
		}
	}
	return nil
}

// Dir is the copy's directory (empty before Prepare).
func (r *Runner) Dir() string { return r.dir }

// Close removes the copy.
func (r *Runner) Close() error {
	if r.dir == "" {
		return nil
	}
	return os.RemoveAll(r.dir)
}

// ErrBuild is wrapped when the copy does not build.
var ErrBuild = errors.New("does not build")

// Build compiles the copy and the suite's test binary and returns the binary's path: with
// no pkgs the whole copy (go build ./...), else go vet of pkgs, which compiles them with
// their tests (the binaries the suite runs are built by the suite itself).
func (r *Runner) Build(ctx context.Context, pkgs ...string) (string, error) {
	bin := filepath.Join(r.dir, ".bin", "repo", "steps.test")
	cmds := [][]string{{"go", "build", "./..."}}
	if len(pkgs) > 0 {
		cmds = [][]string{append([]string{"go", "vet"}, pkgs...)}
	}
	cmds = append(cmds, []string{"go", "test", "-c", "-o", bin, "./steps"})
	for _, c := range cmds {
		ctx, cancel := context.WithTimeout(ctx, r.Timeout)
		cmd := exec.CommandContext(ctx, c[0], c[1:]...)
		cmd.Dir = r.dir
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			return "", fmt.Errorf("%w: %s: %v\n%s", ErrBuild, strings.Join(c, " "), err, proc.LastLines(string(out), 12))
		}
	}
	return bin, nil
}

// Result is one suite run: godog's scenario results, the gate's exit code and the output.
type Result struct {
	Scenarios []evidence.CucumberResult
	Exit      int
	Output    string
	Took      time.Duration
}

// Gate runs the suite binary on the scenarios selected by tags, with the release profile
// "none", and reads godog's cucumber JSON from the report it writes. An error means the
// run came to no verdict (a crash, a timeout, no report).
func (r *Runner) Gate(ctx context.Context, bin, tags string) (Result, error) {
	r.runs++
	reports := filepath.Join(r.dir, "reports", fmt.Sprintf("run-%03d", r.runs))
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^TestFeatures$", "-test.count=1",
		"-stack="+r.Stack, "-godog.tags="+tags, "-godog.format=progress", "-report-dir="+reports, "-release-profile=none")
	cmd.Dir = filepath.Join(r.dir, "steps")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = time.Minute
	if bd, err := tools.BinDir(); err == nil {
		cmd.Env = append(os.Environ(), tools.EnvBinDir+"="+bd)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := Result{Output: out.String(), Took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.Exit = exit.ExitCode()
	default:
		return res, fmt.Errorf("run the suite: %w", err)
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("run the suite: no verdict within %s", r.Timeout)
	}
	found, _ := filepath.Glob(filepath.Join(reports, "*", "cucumber.json"))
	if len(found) != 1 {
		return res, fmt.Errorf("run the suite: no report (exit %d):\n%s", res.Exit, proc.LastLines(res.Output, 15))
	}
	b, err := os.ReadFile(found[0])
	if err != nil {
		return res, fmt.Errorf("read the report: %w", err)
	}
	if res.Scenarios, err = evidence.ParseCucumber(b); err != nil {
		return res, err
	}
	return res, nil
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
			return fmt.Errorf("copy %s: %w", rel, err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	info, err := os.Lstat(src)
	if err != nil || !info.Mode().IsRegular() {
		return nil // deleted in the working tree, or a link: not part of the copy
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
