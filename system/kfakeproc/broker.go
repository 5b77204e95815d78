package kfakeproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/system/build"
	"github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/proc"
)

// ErrNotReady is wrapped by Start and Restart when the broker did not answer a metadata
// request in time; the message ends with the tail of its log.
var ErrNotReady = errors.New("kfake broker not ready")

// Option configures a Broker.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	listenPort, advertisePort, partitions int
	port                                  *Port
	dataDir                               string
	log                                   io.Writer
	startTimeout                          time.Duration
}

// ListenPort fixes the loopback port the broker listens on; zero picks a free one.
// Start holds the port (ReservePort) for the broker's life and fails if it is taken.
func ListenPort(p int) Option { return optionFunc(func(c *config) { c.listenPort = p }) }

// ListenOn makes the broker listen on a port held by the caller (ReservePort); the
// broker owns it from then on and releases it on Close. It wins over ListenPort.
func ListenOn(p *Port) Option { return optionFunc(func(c *config) { c.port = p }) }

// AdvertisePort sets the port the broker tells clients to use (a proxy's); zero means
// the listen port.
func AdvertisePort(p int) Option { return optionFunc(func(c *config) { c.advertisePort = p }) }

// DataDir sets the persistence directory; empty means a new temporary directory that
// Close removes.
func DataDir(dir string) Option { return optionFunc(func(c *config) { c.dataDir = dir }) }

// Partitions sets the partition count of auto-created topics (default 3).
func Partitions(n int) Option { return optionFunc(func(c *config) { c.partitions = n }) }

// LogWriter receives a copy of the broker's output.
func LogWriter(w io.Writer) Option { return optionFunc(func(c *config) { c.log = w }) }

// StartTimeout bounds each start and restart (default 30 s).
func StartTimeout(d time.Duration) Option { return optionFunc(func(c *config) { c.startTimeout = d }) }

// Broker is a kfake broker process. Its methods are safe for concurrent use.
type Broker struct {
	cfg     config
	bin     string
	ownsDir bool
	mu      sync.Mutex
	p       *proc.Process
}

// Start builds dskfake if needed, starts it and waits until it answers a metadata request.
func Start(ctx context.Context, opts ...Option) (*Broker, error) {
	cfg := config{partitions: 3, startTimeout: 30 * time.Second}
	for _, o := range opts {
		o.apply(&cfg)
	}
	b := &Broker{cfg: cfg}
	var err error
	if b.cfg.port == nil {
		// Held from now until Close: a restart after kill -9 finds its port free.
		if b.cfg.port, err = ReservePort(b.cfg.listenPort); err != nil {
			return nil, fmt.Errorf("kfakeproc: %w", err)
		}
	}
	b.cfg.listenPort = b.cfg.port.Number()
	if b.bin, err = build.Binary(ctx, "./system/cmd/dskfake"); err != nil {
		b.cfg.port.Close()
		return nil, fmt.Errorf("kfakeproc: %w", err)
	}
	if b.cfg.advertisePort == 0 {
		b.cfg.advertisePort = b.cfg.listenPort
	}
	if b.cfg.dataDir == "" {
		if b.cfg.dataDir, err = os.MkdirTemp("", "dashstream-kfake-"); err != nil {
			return nil, fmt.Errorf("kfakeproc: %w", err)
		}
		b.ownsDir = true
	}
	if err := b.Restart(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Version returns the version of the kfake module the broker binary was built with.
func (b *Broker) Version(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, b.bin, "-version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// Addr returns the advertised address clients should bootstrap from.
func (b *Broker) Addr() string { return "127.0.0.1:" + strconv.Itoa(b.cfg.advertisePort) }

// ListenAddr returns the address the broker process itself listens on.
func (b *Broker) ListenAddr() string { return "127.0.0.1:" + strconv.Itoa(b.cfg.listenPort) }

// DataDir returns the persistence directory.
func (b *Broker) DataDir() string { return b.cfg.dataDir }

func (b *Broker) process() *proc.Process {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.p
}

// Running reports whether the broker process is alive (a paused one is alive).
func (b *Broker) Running() bool {
	p := b.process()
	return p != nil && p.Running()
}

// Restart starts the broker process if it is not running, with the same ports and data,
// and waits until it answers. It is a no-op for a running broker.
func (b *Broker) Restart(ctx context.Context) error {
	b.mu.Lock()
	if b.p != nil && b.p.Running() {
		b.mu.Unlock()
		return nil
	}
	p, err := proc.Start(ctx, proc.Spec{
		Name: "kfake", Path: b.bin, Log: b.cfg.log, Grace: 10 * time.Second,
		Args: []string{"-port", strconv.Itoa(b.cfg.listenPort), "-advertise-port", strconv.Itoa(b.cfg.advertisePort),
			"-data-dir", b.cfg.dataDir, "-partitions", strconv.Itoa(b.cfg.partitions)},
	})
	b.p = p
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("kfakeproc: %w", err)
	}
	return b.waitReady(ctx, p)
}

func (b *Broker) waitReady(ctx context.Context, p *proc.Process) error {
	_, last, err := poll.Until(ctx, b.cfg.startTimeout, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		if !p.Running() {
			return false, "", poll.Stop(fmt.Errorf("kfakeproc: broker exited while starting: %w: %s", ErrNotReady, p.Describe(20)))
		}
		return true, "", Probe(ctx, b.ListenAddr())
	})
	if err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return fmt.Errorf("kfakeproc: no metadata answer from %s within %s (%s): %w: %s",
			b.ListenAddr(), b.cfg.startTimeout, last, ErrNotReady, p.Describe(20))
	}
	return err
}

// Probe sends one metadata request to addr, bounded by 2 s, and returns its error.
func Probe(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(time.Second), kgo.RequestRetries(0))
	if err != nil {
		return fmt.Errorf("probe %s: %w", addr, err)
	}
	defer cl.Close()
	if _, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl); err != nil {
		return fmt.Errorf("probe %s: %w", addr, err)
	}
	return nil
}

// Kill sends SIGKILL: the broker dies without flushing or closing connections cleanly.
func (b *Broker) Kill(context.Context) error {
	if p := b.process(); p != nil {
		return p.Kill()
	}
	return nil
}

// Stop shuts the broker down gracefully (SIGTERM, then SIGKILL after the grace period).
func (b *Broker) Stop(ctx context.Context) error {
	if p := b.process(); p != nil {
		return p.Stop(ctx)
	}
	return nil
}

// Pause freezes the broker (SIGSTOP): connections stay open and nothing answers.
func (b *Broker) Pause(context.Context) error {
	if p := b.process(); p != nil {
		return p.Pause()
	}
	return proc.ErrNotRunning
}

// Resume undoes Pause.
func (b *Broker) Resume(context.Context) error {
	if p := b.process(); p != nil {
		return p.Resume()
	}
	return nil
}

// Log returns the last n lines the broker printed.
func (b *Broker) Log(n int) string {
	if p := b.process(); p != nil {
		return p.Tail(n)
	}
	return ""
}

// Close kills the broker, releases its port and removes a data directory it created.
// Safe to call twice.
func (b *Broker) Close() {
	if p := b.process(); p != nil {
		_ = p.Kill()
	}
	b.cfg.port.Close()
	if b.ownsDir {
		_ = os.RemoveAll(b.cfg.dataDir)
	}
}
