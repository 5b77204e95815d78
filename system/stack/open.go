package stack

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
)

// Config is what Open passes to a stack's constructor.
type Config struct {
	// Brokers is how many Kafka brokers to start (1 unless a stack supports more).
	Brokers int
	// Log receives the output of the infrastructure processes (brokers); nil discards it.
	Log io.Writer
	// Progress receives first-use progress messages (tool builds, jar downloads).
	Progress io.Writer
}

// Option configures Open.
type Option interface{ apply(*Config) }

type optionFunc func(*Config)

func (f optionFunc) apply(c *Config) { f(c) }

// Brokers asks for n brokers (the local stack supports 1 and 3).
func Brokers(n int) Option { return optionFunc(func(c *Config) { c.Brokers = n }) }

// LogTo copies the infrastructure's output to w.
func LogTo(w io.Writer) Option { return optionFunc(func(c *Config) { c.Log = w }) }

// Progress sends first-use progress messages to w (default stderr).
func Progress(w io.Writer) Option { return optionFunc(func(c *Config) { c.Progress = w }) }

// Constructor starts a stack.
type Constructor func(ctx context.Context, cfg Config) (Stack, error)

var registry = struct {
	sync.Mutex
	m map[string]Constructor
}{m: map[string]Constructor{}}

// Register makes a stack available to Open under name. Stacks that pull in heavy
// dependencies (containers) register themselves from their own package's init.
func Register(name string, c Constructor) {
	registry.Lock()
	defer registry.Unlock()
	registry.m[name] = c
}

// Names lists the registered stacks.
func Names() []string {
	registry.Lock()
	defer registry.Unlock()
	var out []string
	for n := range registry.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Open starts the stack called name.
func Open(ctx context.Context, name string, opts ...Option) (Stack, error) {
	cfg := Config{Brokers: 1, Progress: os.Stderr}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	registry.Lock()
	c, ok := registry.m[name]
	registry.Unlock()
	if !ok {
		return nil, fmt.Errorf("open stack: unknown stack %q: choose one of %s", name, strings.Join(Names(), ", "))
	}
	s, err := c(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s stack: %w", name, err)
	}
	return s, nil
}

func init() {
	Register("embedded", startEmbedded)
	Register("local", startLocal)
	Register("external", startExternal)
}
