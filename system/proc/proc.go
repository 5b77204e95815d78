package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotRunning is returned by Pause and Resume when the process has already exited.
var ErrNotRunning = errors.New("process is not running")

// Spec describes a child process to start.
type Spec struct {
	// Name identifies the process in errors and logs ("kafka-0", "prometheus").
	Name string
	// Path is the executable; a bare name is looked up in PATH.
	Path string
	// Args are the arguments after the executable.
	Args []string
	// Env is appended to the harness's own environment; later entries win.
	Env []string
	// Isolated gives the process only Env plus PATH, HOME and TMPDIR, so the harness's
	// own environment (a TENANT_ID in the shell, say) cannot leak into it.
	Isolated bool
	// Dir is the working directory; empty means the harness's.
	Dir string
	// Log, when set, receives a copy of everything the process writes to stdout and stderr.
	Log io.Writer
	// LogLines is how many lines of output are kept for Tail; zero means 2000.
	LogLines int
	// Grace is how long Stop waits after SIGTERM before SIGKILL; zero means 10 s.
	Grace time.Duration
}

// Process is a running (or exited) child process started by Start.
type Process struct {
	spec    Spec
	cmd     *exec.Cmd
	out     *ring
	done    chan struct{}
	waitErr error
	started time.Time
	mu      sync.Mutex
	paused  bool
}

// Start starts the process described by spec. The process is not waited for: use Done,
// Stop or Kill. The context bounds only the start itself, not the life of the process.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	if spec.LogLines <= 0 {
		spec.LogLines = 2000
	}
	if spec.Grace <= 0 {
		spec.Grace = 10 * time.Second
	}
	p := &Process{spec: spec, out: newRing(spec.LogLines), done: make(chan struct{})}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Dir = spec.Dir
	if spec.Isolated {
		cmd.Env = append(BaseEnv(), spec.Env...)
	} else {
		cmd.Env = append(os.Environ(), spec.Env...)
	}
	var w io.Writer = p.out
	if spec.Log != nil {
		w = io.MultiWriter(p.out, spec.Log)
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p.cmd, p.started = cmd, time.Now()
	track(p)
	go func() {
		p.waitErr = cmd.Wait()
		untrack(p)
		close(p.done)
	}()
	return p, nil
}

// Name returns the name from the Spec.
func (p *Process) Name() string { return p.spec.Name }

// PID returns the operating system's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Running reports whether the process has not exited yet (a paused process is running).
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Err returns how the process ended (nil for exit status 0); it is nil while it runs.
func (p *Process) Err() error {
	if p.Running() {
		return nil
	}
	return p.waitErr
}

// Tail returns the last n lines the process printed (n <= 0: all that are kept).
func (p *Process) Tail(n int) string { return strings.Join(p.out.tail(n), "\n") }

// Printed reports whether any kept line of output contains s.
func (p *Process) Printed(s string) bool { return p.out.contains(s) }

// signal sends sig to the process group, ignoring a group that is already gone.
func (p *Process) signal(sig syscall.Signal) error {
	err := syscall.Kill(-p.cmd.Process.Pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %s %s: %w", p.spec.Name, sig, err)
	}
	return nil
}

// Stop ends the process gracefully: SIGTERM to its group, then SIGKILL after the grace
// period or when ctx ends, whichever comes first. It returns once the process is reaped.
func (p *Process) Stop(ctx context.Context) error {
	if !p.Running() {
		return nil
	}
	_ = p.Resume() // a stopped process cannot act on SIGTERM
	if err := p.signal(syscall.SIGTERM); err != nil {
		return err
	}
	timer := time.NewTimer(p.spec.Grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	return p.Kill()
}

// Kill sends SIGKILL to the process group and waits until the process is reaped.
func (p *Process) Kill() error {
	if !p.Running() {
		return nil
	}
	if err := p.signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-p.done
	return nil
}

// Pause freezes the process group with SIGSTOP. Resume undoes it; both are idempotent.
func (p *Process) Pause() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.Running() {
		return fmt.Errorf("pause %s: %w", p.spec.Name, ErrNotRunning)
	}
	if p.paused {
		return nil
	}
	if err := p.signal(syscall.SIGSTOP); err != nil {
		return err
	}
	p.paused = true
	return nil
}

// Resume continues a process group frozen by Pause. It is a no-op when not paused.
func (p *Process) Resume() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		return nil
	}
	p.paused = false
	if !p.Running() {
		return nil
	}
	return p.signal(syscall.SIGCONT)
}

// Paused reports whether the process is frozen by Pause.
func (p *Process) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// Uptime returns how long ago the process was started.
func (p *Process) Uptime() time.Duration { return time.Since(p.started) }

// Describe returns a short, human-readable account of the process for an error message:
// its name, whether it runs or how it ended, and the last lines it printed.
func (p *Process) Describe(lines int) string {
	state := "running"
	if !p.Running() {
		state = fmt.Sprintf("exited (%v)", p.waitErr)
	}
	return fmt.Sprintf("%s (pid %d, %s); last output:\n%s", p.spec.Name, p.PID(), state, p.Tail(lines))
}

// BaseEnv is the minimal environment of an Isolated process: PATH, HOME and TMPDIR as
// the harness has them.
func BaseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
