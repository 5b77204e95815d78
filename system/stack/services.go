package stack

import (
	"cmp"
	"context"
	"errors"
	"net"
	"time"
)

// ErrUnsupported is returned by an operation the stack cannot perform; the scenario
// should have been skipped by its capability check.
var ErrUnsupported = errors.New("not supported by this stack")

// The reference service binaries (reference/cmd/...).
const (
	Exporter = "dashstream-exporter"
	WSServer = "dashstream-wsserver"
	Produce  = "dashstream-produce"
	Consume  = "dashstream-consume"
)

// ServiceSpec describes a reference service to run.
type ServiceSpec struct {
	// Name identifies this instance in logs and reports ("exporter").
	Name string
	// Binary is one of Exporter, WSServer, Produce, Consume: a reference program the
	// harness builds from this repository. Empty when Command or Image is given.
	Binary string
	// Command is the path of a program built elsewhere (another implementation of the
	// contract), run on the host stacks.
	Command string
	// Image is the container image the containers stack runs instead of a reference
	// program's (empty: the reference's own image).
	Image string
	// BrokersEnv is the variable that receives the stack's brokers (default KAFKA_BROKERS).
	BrokersEnv string
	// Env is the service's configuration; KAFKA_BROKERS defaults to the stack's brokers.
	Env map[string]string
	// Args are command-line arguments.
	Args []string
	// AddrEnv names the variable that receives the service's listen address
	// (METRICS_ADDR, WS_ADDR); the stack picks the port. Empty: the service listens nowhere.
	AddrEnv string
	// AddrPortOnly gives AddrEnv the port alone, for a program that picks its host.
	AddrPortOnly bool
	// HostEnv, with AddrPortOnly, names the variable that receives the host to serve on:
	// loopback on the host stacks, every interface in a container.
	HostEnv string
}

// ListenEnv returns the variables that tell the service to serve HTTP on host and port:
// AddrEnv (host:port, or the port alone with AddrPortOnly) and HostEnv. An empty host is
// every interface (":8080", and 0.0.0.0 for HostEnv).
func (s ServiceSpec) ListenEnv(host, port string) map[string]string {
	env := map[string]string{}
	if s.AddrEnv == "" {
		return env
	}
	env[s.AddrEnv] = net.JoinHostPort(host, port)
	if s.AddrPortOnly {
		env[s.AddrEnv] = port
	}
	if s.HostEnv != "" {
		env[s.HostEnv] = cmp.Or(host, "0.0.0.0")
	}
	return env
}

// BrokersVar is the variable that receives the brokers.
func (s ServiceSpec) BrokersVar() string {
	if s.BrokersEnv != "" {
		return s.BrokersEnv
	}
	return "KAFKA_BROKERS"
}

// RedisStarter is implemented by the Services of a stack that starts Redis itself for an
// implementation that needs one (the containers stack runs the redis image on its
// network); on the other stacks the harness runs redis-server on the host.
type RedisStarter interface {
	// StartRedis starts a Redis for the services of one scenario (name tells it apart)
	// and returns its URL as those services reach it, and a function that removes it.
	StartRedis(ctx context.Context, name string) (url string, stop func(context.Context) error, err error)
}

// Service is a long-running reference service.
type Service interface {
	// Name is the instance name from the spec.
	Name() string
	// Addr is the host:port of its HTTP endpoint as the harness reaches it ("" if none).
	Addr() string
	// ScrapeAddr is the host:port Prometheus scrapes (differs from Addr in containers).
	ScrapeAddr() string
	// Running reports whether the process (or container) is alive.
	Running() bool
	// Stop stops it gracefully; Kill ends it at once. Both are safe to call twice.
	Stop(ctx context.Context) error
	// Kill ends the service at once.
	Kill(ctx context.Context) error
	// Pause freezes the service (SIGSTOP, docker pause): a consumer falls behind.
	Pause(ctx context.Context) error
	// Resume undoes Pause; it is a no-op when the service is not paused.
	Resume(ctx context.Context) error
	// Restart starts it again with the same address, and the environment changed by
	// SetEnv. It stops it first if it is running.
	Restart(ctx context.Context) error
	// SetEnv changes one variable for the next Restart (e.g. a wrong KAFKA_BROKERS).
	SetEnv(key, value string)
	// Log returns the last n lines the service printed.
	Log(n int) string
}

// Result is how a run-to-completion service (Produce, Consume) ended.
type Result struct {
	ExitCode int
	Stdout   string
	Stderr   string
	Duration time.Duration
}

// Services runs the reference services on a stack.
type Services interface {
	// Start starts a long-running service and returns once its process runs; readiness
	// is the caller's to check (its /healthz, say).
	Start(ctx context.Context, spec ServiceSpec) (Service, error)
	// Run runs a service to completion, bounded by ctx.
	Run(ctx context.Context, spec ServiceSpec) (Result, error)
}
