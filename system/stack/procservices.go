package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dashstream/acceptance/system/build"
	"github.com/dashstream/acceptance/system/proc"
)

// procServices runs the reference services as child processes of the harness.
type procServices struct {
	brokers func() []string

	mu   sync.Mutex
	held []*heldAddr // the services' addresses, held until release
}

func (s *procServices) keep(h *heldAddr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = append(s.held, h)
}

// release lets the services' ports go; the stack calls it when it closes.
func (s *procServices) release() {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for _, h := range held {
		h.release()
	}
}

func (s *procServices) env(spec ServiceSpec) map[string]string {
	env := map[string]string{spec.BrokersVar(): strings.Join(s.brokers(), ",")}
	maps.Copy(env, spec.Env)
	return env
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// program returns the executable for spec: a reference program built from this
// repository, or the command of another implementation, which must exist.
func program(ctx context.Context, spec ServiceSpec) (string, error) {
	if spec.Command == "" {
		if spec.Binary == "" {
			return "", fmt.Errorf("no program: the spec gives neither a reference binary nor a command (an image runs only on the containers stack)")
		}
		return build.Binary(ctx, "./reference/cmd/"+spec.Binary)
	}
	st, err := os.Stat(spec.Command)
	if err != nil {
		return "", fmt.Errorf("program %s: %w (build it first: see the profile's description)", spec.Command, err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("program %s is not an executable file", spec.Command)
	}
	return spec.Command, nil
}

// Start implements Services.
func (s *procServices) Start(ctx context.Context, spec ServiceSpec) (Service, error) {
	bin, err := program(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	svc := &procService{spec: spec, bin: bin, env: s.env(spec)}
	if spec.AddrEnv != "" {
		// Held until the stack closes: the service binds it at every (re)start.
		h, err := holdLoopbackAddr()
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		s.keep(h)
		svc.addr = h.addr
		host, port, _ := net.SplitHostPort(svc.addr)
		maps.Copy(svc.env, spec.ListenEnv(host, port))
	}
	if err := svc.Restart(ctx); err != nil {
		return nil, err
	}
	return svc, nil
}

// Run implements Services.
func (s *procServices) Run(ctx context.Context, spec ServiceSpec) (Result, error) {
	bin, err := program(ctx, spec)
	if err != nil {
		return Result{}, fmt.Errorf("run %s: %w", spec.Name, err)
	}
	cmd := exec.CommandContext(ctx, bin, spec.Args...)
	cmd.Env = append(proc.BaseEnv(), envList(s.env(spec))...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), Duration: time.Since(start), ExitCode: cmd.ProcessState.ExitCode()}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return res, fmt.Errorf("run %s: %w", spec.Name, err)
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("run %s: %w", spec.Name, ctx.Err())
	}
	return res, nil
}

type procService struct {
	spec ServiceSpec
	bin  string
	addr string
	mu   sync.Mutex
	env  map[string]string
	p    *proc.Process
}

func (s *procService) Name() string       { return s.spec.Name }
func (s *procService) Addr() string       { return s.addr }
func (s *procService) ScrapeAddr() string { return s.addr }

func (s *procService) current() *proc.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

func (s *procService) Running() bool {
	p := s.current()
	return p != nil && p.Running()
}

func (s *procService) Stop(ctx context.Context) error {
	if p := s.current(); p != nil {
		return p.Stop(ctx)
	}
	return nil
}

func (s *procService) Kill(context.Context) error {
	if p := s.current(); p != nil {
		return p.Kill()
	}
	return nil
}

func (s *procService) Pause(context.Context) error {
	if p := s.current(); p != nil {
		return p.Pause()
	}
	return proc.ErrNotRunning
}

func (s *procService) Resume(context.Context) error {
	if p := s.current(); p != nil {
		return p.Resume()
	}
	return nil
}

// PID returns the process id of the running service, 0 when none runs: the harness reads
// /proc/<pid> to see what the process does (its sockets) without asking it. Not part of
// Service: a container's process is not the harness's to read.
func (s *procService) PID() int {
	if p := s.current(); p != nil && p.Running() {
		return p.PID()
	}
	return 0
}

func (s *procService) SetEnv(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.env[key] = value
}

func (s *procService) Restart(ctx context.Context) error {
	if err := s.Stop(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := proc.Start(ctx, proc.Spec{Name: s.spec.Name, Path: s.bin, Args: s.spec.Args, Env: envList(s.env), Isolated: true, Grace: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("start %s: %w", s.spec.Name, err)
	}
	s.p = p
	return nil
}

func (s *procService) Log(n int) string {
	if p := s.current(); p != nil {
		return p.Tail(n)
	}
	return ""
}
