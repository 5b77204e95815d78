package chaos

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
)

// serviceFault is a fault on a reference service, recovered when the service runs again
// and, if it has an address, accepts connections on it.
type serviceFault struct {
	name   string
	svc    stack.Service
	cfg    config
	what   string
	undone string
	do     func(ctx context.Context) error
	revert func(ctx context.Context) error
}

func (f *serviceFault) Name() string              { return f.name }
func (f *serviceFault) Needs() []stack.Capability { return []stack.Capability{stack.RunServices} }

func (f *serviceFault) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	if !f.svc.Running() {
		return nil, fmt.Errorf("inject %s: service %s is not running before the fault, so the fault would prove nothing: start it first", f.name, f.svc.Name())
	}
	detail := fmt.Sprintf("service %s: %s", f.svc.Name(), f.what)
	var took time.Duration
	return inject(ctx, tl, f.name, detail, func(ctx context.Context) (injection, error) {
		if err := f.do(ctx); err != nil {
			return injection{}, err
		}
		revert := func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, f.cfg.recovery)
			defer cancel()
			return f.revert(ctx)
		}
		recovered := func(ctx context.Context) (err error) {
			took, err = waitServing(ctx, f.svc, f.cfg.recovery)
			return err
		}
		note := func() string {
			return fmt.Sprintf("service %s: %s; serving %s later", f.svc.Name(), f.undone, took.Round(time.Millisecond))
		}
		return injection{steps: []undoStep{revert, recovered}, endNote: note}, nil
	}, f.revert)
}

// ServiceStop stops svc gracefully; Undo restarts it and waits until it serves.
func ServiceStop(svc stack.Service, opts ...Option) Fault {
	return &serviceFault{name: "service-stop", svc: svc, cfg: newConfig(opts), what: "stopped gracefully",
		undone: "restarted", do: svc.Stop, revert: restartIfDown(svc)}
}

// ServiceKill kills svc at once (SIGKILL); Undo restarts it and waits until it serves.
func ServiceKill(svc stack.Service, opts ...Option) Fault {
	return &serviceFault{name: "service-kill", svc: svc, cfg: newConfig(opts), what: "killed with SIGKILL",
		undone: "restarted", do: svc.Kill, revert: restartIfDown(svc)}
}

// ServicePause freezes svc (SIGSTOP, docker pause), so a consumer falls behind; Undo
// resumes it.
func ServicePause(svc stack.Service, opts ...Option) Fault {
	return &serviceFault{name: "service-pause", svc: svc, cfg: newConfig(opts), what: "paused (SIGSTOP)",
		undone: "resumed", do: svc.Pause, revert: svc.Resume}
}

// ServiceWrongBroker restarts svc with KAFKA_BROKERS set to addr (UnresolvableAddr,
// a Refuser's Addr, a Hang's Addr). Undo restarts it with KAFKA_BROKERS set back to k's
// bootstrap addresses, the value the stack gives every service: the Service interface
// does not tell the value it had, so a service started with another KAFKA_BROKERS gets
// the stack's one back.
func ServiceWrongBroker(svc stack.Service, addr string, k stack.Kafka, opts ...Option) Fault {
	right := strings.Join(k.Bootstrap(), ",")
	withBrokers := func(v string) func(context.Context) error {
		return func(ctx context.Context) error {
			svc.SetEnv("KAFKA_BROKERS", v)
			return svc.Restart(ctx)
		}
	}
	return &serviceFault{name: "service-wrong-broker", svc: svc, cfg: newConfig(opts),
		what:   fmt.Sprintf("restarted with KAFKA_BROKERS=%s", addr),
		undone: fmt.Sprintf("restarted with KAFKA_BROKERS=%s", right),
		do:     withBrokers(addr), revert: withBrokers(right)}
}

// restartIfDown restarts svc unless it runs (a rollback after a failed stop may find it
// still running).
func restartIfDown(svc stack.Service) func(context.Context) error {
	return func(ctx context.Context) error {
		if svc.Running() {
			return nil
		}
		return svc.Restart(ctx)
	}
}

// waitServing waits until svc runs and, if it has an address, accepts a connection.
func waitServing(ctx context.Context, svc stack.Service, within time.Duration) (time.Duration, error) {
	took, last, err := poll.Until(ctx, within, 50*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		return true, "", serving(ctx, svc)
	})
	if err != nil {
		return took, fmt.Errorf("service %s not serving within %s: %w (last: %s); its last lines: %s", svc.Name(), within, err, last, oneLine(proc.LastLines(svc.Log(5), 5)))
	}
	return took, nil
}

func serving(ctx context.Context, svc stack.Service) error {
	if !svc.Running() {
		return fmt.Errorf("not running")
	}
	if svc.Addr() == "" {
		return nil
	}
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", svc.Addr())
	if err != nil {
		return err
	}
	return c.Close()
}
