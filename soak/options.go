package soak

import (
	"io"
	"time"
)

// Opt configures the runners (RunSuite, BuildSuite, RunFuzz, RunExternal, RunLeakTest).
// It is a sealed interface: only this package's functions make options.
type Opt interface{ apply(*config) }

type config struct {
	repo    string
	log     io.Writer
	timeout time.Duration
	args    []string
	env     []string
}

type optFunc func(*config)

func (f optFunc) apply(c *config) { f(c) }

// Repo sets the repository root the runners work in (default: the current directory).
func Repo(dir string) Opt { return optFunc(func(c *config) { c.repo = dir }) }

// Log copies the child's output to w as well as to its log file (default: discarded).
func Log(w io.Writer) Opt { return optFunc(func(c *config) { c.log = w }) }

// Timeout bounds one child process (default 30 minutes; RunFuzz with a time budget uses
// the budget plus 5 minutes). When it ends the child gets SIGINT, then SIGKILL a minute
// later.
func Timeout(d time.Duration) Opt { return optFunc(func(c *config) { c.timeout = d }) }

// Args appends arguments to the child's command line (RunSuite: after the test flags,
// before the feature paths, e.g. "-godog.tags=@sequences").
func Args(args ...string) Opt { return optFunc(func(c *config) { c.args = append(c.args, args...) }) }

// Env appends KEY=VALUE entries to the child's environment.
func Env(kv ...string) Opt { return optFunc(func(c *config) { c.env = append(c.env, kv...) }) }

func newConfig(opts []Opt) config {
	c := config{repo: ".", log: io.Discard, timeout: 30 * time.Minute}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}
