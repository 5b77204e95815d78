package tools

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/system/proc"
)

// verifyTimeout bounds `<binary> --version`.
const verifyTimeout = 30 * time.Second

// Installer installs pinned tools into one bin directory. The zero value is not usable;
// build one with New.
type Installer struct {
	dir string
	log io.Writer
}

// Option configures an Installer.
type Option interface{ apply(*Installer) }

type optionFunc func(*Installer)

func (f optionFunc) apply(in *Installer) { f(in) }

// InDir installs into dir instead of BinDir().
func InDir(dir string) Option { return optionFunc(func(in *Installer) { in.dir = dir }) }

// LogTo sends progress lines to w instead of os.Stderr; nil silences them.
func LogTo(w io.Writer) Option {
	return optionFunc(func(in *Installer) {
		if w == nil {
			w = io.Discard
		}
		in.log = w
	})
}

// New returns an Installer for BinDir() (or the directory given with InDir) that logs
// progress to os.Stderr (or the writer given with LogTo).
func New(opts ...Option) (*Installer, error) {
	in := &Installer{log: os.Stderr}
	for _, o := range opts {
		o.apply(in)
	}
	if in.dir == "" {
		d, err := BinDir()
		if err != nil {
			return nil, err
		}
		in.dir = d
	}
	abs, err := filepath.Abs(in.dir)
	if err != nil {
		return nil, fmt.Errorf("bin dir: %w", err)
	}
	in.dir = abs
	return in, nil
}

// Dir returns the directory the Installer installs into.
func (in *Installer) Dir() string { return in.dir }

// Ensure returns the path of the named tool in BinDir(), installing it first if it is
// missing or was installed from another pin. See Installer.Ensure.
func Ensure(ctx context.Context, name string) (string, error) {
	in, err := New()
	if err != nil {
		return "", fmt.Errorf("ensure %s: %w", name, err)
	}
	return in.Ensure(ctx, name)
}

// Ensure returns the absolute path of the named tool, installing it first with go install
// if it is missing or its stamp does not match the pin. It is idempotent and safe for
// concurrent callers, in this process and in others. ctx bounds the wait for another
// installer and the build; a cancelled build leaves the previous binary (if any) alone.
func (in *Installer) Ensure(ctx context.Context, name string) (string, error) {
	pin, err := Lookup(name)
	if err != nil {
		return "", fmt.Errorf("ensure: %w", err)
	}
	bin := filepath.Join(in.dir, pin.Name)
	stamp := filepath.Join(in.dir, "."+pin.Name+".stamp")
	if fresh(bin, stamp, pin) {
		return bin, nil
	}
	if err := os.MkdirAll(in.dir, 0o755); err != nil {
		return "", fmt.Errorf("ensure %s: %w", name, err)
	}
	lock, err := lockFile(ctx, filepath.Join(in.dir, "."+pin.Name+".lock"), func() {
		fmt.Fprintf(in.log, "waiting for another process installing %s...\n", pin.Name)
	})
	if err != nil {
		return "", fmt.Errorf("ensure %s: %w", name, err)
	}
	defer lock.unlock()
	if fresh(bin, stamp, pin) { // someone else installed it while we waited
		return bin, nil
	}
	if err := in.install(ctx, pin, bin, stamp); err != nil {
		return "", fmt.Errorf("ensure %s: %w", name, err)
	}
	return bin, nil
}

// fresh reports whether bin exists and the stamp names the current pin.
func fresh(bin, stamp string, pin Pin) bool {
	st, err := os.Stat(bin)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return false
	}
	b, err := os.ReadFile(stamp)
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return first == pin.spec()
}

// install builds pin into a temporary directory beside bin, verifies it and moves it
// into place, then writes the stamp.
func (in *Installer) install(ctx context.Context, pin Pin, bin, stamp string) error {
	why := "first use"
	if _, err := os.Stat(bin); err == nil {
		why = "pin changed"
	}
	fmt.Fprintf(in.log, "installing %s %s (%s, takes a few minutes)...\n", pin.Name, pin.Release, why)
	start := time.Now()
	tmp, err := os.MkdirTemp(in.dir, ".install-"+pin.Name+"-")
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := goInstall(ctx, pin, tmp); err != nil {
		return err
	}
	built := filepath.Join(tmp, pin.Name)
	version, err := verify(ctx, built)
	if err != nil {
		return err
	}
	if err := os.Rename(built, bin); err != nil {
		return fmt.Errorf("install: move into place: %w", err)
	}
	content := pin.spec() + "\n" + version + "\n"
	if err := os.WriteFile(filepath.Join(tmp, "stamp"), []byte(content), 0o644); err != nil {
		return fmt.Errorf("install: write stamp: %w", err)
	}
	if err := os.Rename(filepath.Join(tmp, "stamp"), stamp); err != nil {
		return fmt.Errorf("install: write stamp: %w", err)
	}
	fmt.Fprintf(in.log, "installed %s (%s) in %s\n", pin.Name, version, time.Since(start).Round(time.Second))
	return nil
}

// goInstall runs go install for pin with GOBIN=gobin. On cancellation the whole process
// group (go and its compilers) is killed.
func goInstall(ctx context.Context, pin Pin, gobin string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go install: the Go toolchain is needed to build %s; put `go` in PATH: %w", pin.Name, err)
	}
	args := []string{"install"}
	if len(pin.Tags) > 0 {
		args = append(args, "-tags", strings.Join(pin.Tags, ","))
	}
	args = append(args, "-ldflags", pin.ldflags(), pin.Package+"@"+pin.Version)
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = gobin // outside any module, so the repo's go.mod plays no part
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, proc.LastLines(out.String(), 30))
	}
	return nil
}

// verify runs `bin --version` and returns its first line.
func verify(ctx context.Context, bin string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("verify %s --version: %w\n%s", filepath.Base(bin), err, proc.LastLines(string(out), 10))
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}

// Installed returns the first line of `--version` recorded when the named tool was
// installed, or "" when it is not installed.
func (in *Installer) Installed(name string) string {
	b, err := os.ReadFile(filepath.Join(in.dir, "."+name+".stamp"))
	if err != nil {
		return ""
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 2 {
		return ""
	}
	return lines[1]
}
