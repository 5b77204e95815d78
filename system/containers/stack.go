package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/dashstream/acceptance/system/stack"
)

func init() {
	stack.Register("containers", func(ctx context.Context, cfg stack.Config) (stack.Stack, error) {
		if cfg.Brokers != 1 {
			return nil, fmt.Errorf("the containers stack runs one broker, %d asked: use STACK=local for a multi-broker cluster", cfg.Brokers)
		}
		st, err := Start(ctx, LogTo(cfg.Log))
		if err != nil {
			return nil, err
		}
		return st, nil
	})
}

// Defaults of the stack.
const (
	// DefaultStartTimeout bounds the start of a container until it is ready.
	DefaultStartTimeout = 2 * time.Minute
	// DefaultGrace is how long docker stop waits after SIGTERM before SIGKILL.
	DefaultGrace = 10 * time.Second
	// closeTimeout bounds Close.
	closeTimeout = 2 * time.Minute
)

// Option configures Start.
type Option interface{ apply(*settings) }

type settings struct {
	log   io.Writer
	runID string
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

// LogTo copies the broker's output to w (default: discarded; Broker.Log reads it back).
func LogTo(w io.Writer) Option { return optionFunc(func(s *settings) { s.log = w }) }

// RunID names the run in container names and the LabelRun label (default random).
func RunID(id string) Option { return optionFunc(func(s *settings) { s.runID = id }) }

// Stack is a running containers stack: a dedicated Docker network, one Kafka broker and
// the services started on it. It implements stack.Stack.
type Stack struct {
	runID    string
	cli      *testcontainers.DockerClient
	net      *testcontainers.DockerNetwork
	kafka    *kafkaCluster
	services *services
	versions map[string]string
	log      io.Writer
	fwd      hostForwarders // to the harness's loopback servers, for services

	mu     sync.Mutex
	closed bool
	extra  []func(context.Context) error // closers of monitoring stacks
}

var _ stack.Stack = (*Stack)(nil)

// Start removes the leftovers of earlier runs whose process is gone (Sweep), creates the
// stack's network and starts Kafka on it, and returns once the broker answers at its
// advertised host address. On error everything created is removed.
func Start(ctx context.Context, opts ...Option) (_ *Stack, err error) {
	s := settings{log: io.Discard}
	for _, o := range opts {
		o.apply(&s)
	}
	if s.runID == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		s.runID = hex.EncodeToString(b)
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	// Leftovers of runs whose process was killed (SIGKILL, OOM, a lost CI job) go first;
	// failing to remove them does not stop this run, it is logged.
	if n, err := sweep(ctx, cli); err != nil || n > 0 {
		fmt.Fprintf(s.log, "containers: removed %d leftovers of earlier runs (error: %v)\n", n, err)
	}
	st := &Stack{runID: s.runID, cli: cli, log: s.log, versions: map[string]string{}}
	defer func() {
		if err != nil {
			_ = st.Close(context.WithoutCancel(ctx))
		}
	}()
	kafkaImage := Image(Kafka)
	v, err := imageVersion(ctx, cli, Kafka, kafkaImage)
	if err != nil {
		return nil, err
	}
	st.versions["kafka"] = fmt.Sprintf("Apache Kafka %s (image %s)", v, kafkaImage)
	// Prometheus and Alertmanager run as containers in every scenario that asks for
	// monitoring: the run's versions name their images; a missing image fails that
	// scenario's start with what to do, not the stack's.
	for _, c := range []Component{Prometheus, Alertmanager} {
		if v, err := imageVersion(ctx, cli, c, Image(c)); err == nil {
			st.versions[string(c)] = fmt.Sprintf("%s %s (image %s)", c, v, Image(c))
		}
	}
	if st.net, err = network.New(ctx, network.WithLabels(runLabels(st.runID))); err != nil {
		return nil, fmt.Errorf("create network: %w", err)
	}
	if st.kafka, err = startKafka(ctx, st, kafkaImage, v); err != nil {
		return nil, err
	}
	st.services = &services{st: st}
	return st, nil
}

// RunID returns the value of the LabelRun label on everything this stack created.
func (s *Stack) RunID() string { return s.runID }

// Network returns the name of the stack's Docker network.
func (s *Stack) Network() string { return s.net.Name }

// Name implements stack.Stack.
func (s *Stack) Name() string { return "containers" }

// Capabilities implements stack.Stack.
func (s *Stack) Capabilities() []stack.Capability {
	return []stack.Capability{stack.DurableIdempotence, stack.KillBroker, stack.StopBroker, stack.PauseBroker, stack.NetworkFaults,
		stack.DeleteRecords, stack.RunServices, stack.Monitoring, stack.ReceiveAlerts, stack.Destructive}
}

// Kafka implements stack.Stack.
func (s *Stack) Kafka() stack.Kafka { return s.kafka }

// Services implements stack.Stack.
func (s *Stack) Services() stack.Services { return s.services }

// Versions implements stack.Stack: kafka from its image, prometheus and alertmanager from
// the images StartContainerMonitoring runs (their version labels when the images are on
// the daemon, else "image <ref>").
func (s *Stack) Versions() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := maps.Clone(s.versions)
	for _, c := range []Component{Prometheus, Alertmanager} {
		if _, ok := out[string(c)]; !ok {
			out[string(c)] = "image " + Image(c)
		}
	}
	return out
}

func (s *Stack) setVersion(component, v string) {
	s.mu.Lock()
	s.versions[component] = v
	s.mu.Unlock()
}

func (s *Stack) onClose(fn func(context.Context) error) {
	s.mu.Lock()
	s.extra = append(s.extra, fn)
	s.mu.Unlock()
}

// name returns the container name of a part of this run ("dashstream-<run>-kafka-0").
func (s *Stack) name(part string) string { return "dashstream-" + s.runID + "-" + part }

// Close stops the proxies and removes every container (with its volumes) and the network
// of this run, found by the LabelRun label, so nothing is left even of a half-started
// stack. It is safe to call twice.
func (s *Stack) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	extra := slices.Clone(s.extra)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancel()
	var errs []error
	for i := len(extra) - 1; i >= 0; i-- {
		errs = append(errs, extra[i](ctx))
	}
	if s.kafka != nil {
		s.kafka.broker.close()
	}
	s.fwd.close()
	if s.cli != nil {
		_, err := removeByLabel(ctx, s.cli, LabelRun, s.runID, nil)
		errs = append(errs, err, s.cli.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close containers stack %s: %w", s.runID, err)
	}
	return nil
}
