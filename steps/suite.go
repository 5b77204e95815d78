package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// Suite is one run of the features on one stack: it owns the stack and the evidence.
type Suite struct {
	// StackName is the stack to open (embedded, local, containers, external).
	StackName string
	// Brokers is how many brokers the stack starts (local: 1 or 3).
	Brokers int
	// SUT is the implementation under test (sut.Load).
	SUT *sut.Profile
	// Run collects the evidence of every scenario.
	Run *evidence.Run

	// exclusive serialises @destructive scenarios that break the shared broker: they run
	// alone while other scenarios share the stack concurrently. On a stack with
	// PrivateKafka a destructive scenario gets a cluster of its own and runs with the rest.
	exclusive sync.RWMutex

	once  sync.Once
	stack stack.Stack
	err   error
	stop  func()

	interrupted atomic.Bool // set by SIGINT/SIGTERM: no new scenario starts

	mu     sync.Mutex
	active map[*World]struct{} // scenarios running now, cleaned up on an interrupt
	atExit []func()            // run after the stack is closed, also on an interrupt
}

// NewSuite prepares a run on the named stack; the stack opens with the first scenario.
func NewSuite(stackName string, brokers int, prof *sut.Profile, run *evidence.Run) *Suite {
	return &Suite{StackName: stackName, Brokers: brokers, SUT: prof, Run: run, active: map[*World]struct{}{}}
}

// AtExit registers fn to run when the suite closes or is interrupted (removing a work
// directory, say).
func (s *Suite) AtExit(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.atExit = append(s.atExit, fn)
}

func (s *Suite) track(w *World, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if running {
		s.active[w] = struct{}{}
	} else {
		delete(s.active, w)
	}
}

// shutdown undoes what running scenarios did, closes the stack, kills every child
// process and runs the AtExit functions.
func (s *Suite) shutdown() {
	s.mu.Lock()
	worlds := make([]*World, 0, len(s.active))
	for w := range s.active {
		worlds = append(worlds, w)
	}
	s.mu.Unlock()
	for _, w := range worlds {
		_ = w.cleanup()
	}
	if s.stack != nil {
		_ = s.stack.Close(context.Background())
	}
	proc.KillAll()
	s.mu.Lock()
	fns := s.atExit
	s.atExit = nil
	s.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// open starts the stack once; every scenario shares it.
func (s *Suite) open() (stack.Stack, error) {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		fmt.Fprintf(os.Stderr, "opening the %s stack...\n", s.StackName)
		start := time.Now()
		s.stack, s.err = stack.Open(ctx, s.StackName, stack.Brokers(s.Brokers), stack.Progress(os.Stderr))
		if s.err != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "%s stack ready in %.1f s\n", s.StackName, time.Since(start).Seconds())
		for k, v := range s.stack.Versions() {
			s.Run.SetVersion(k, v)
		}
	})
	return s.stack, s.err
}

// Close closes the stack and runs the AtExit functions. Safe to call twice.
func (s *Suite) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.shutdown()
}

// HandleInterrupts makes SIGINT and SIGTERM close the stack and kill every child process
// before the process exits with 130. Call the returned function to stop handling.
func (s *Suite) HandleInterrupts() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	s.stop = sync.OnceFunc(func() { signal.Stop(sigs); close(done) })
	go func() {
		select {
		case sig := <-sigs:
			s.interrupted.Store(true)
			fmt.Fprintf(os.Stderr, "\n%s: undoing faults, stopping every process and the stack...\n", sig)
			s.shutdown()
			os.Exit(130)
		case <-done:
		}
	}()
}

// InitializeScenario wires the steps and the per-scenario hooks into godog.
func (s *Suite) InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		tags := tagNames(p)
		if s.interrupted.Load() {
			return ctx, fmt.Errorf("the run was interrupted: %w", godog.ErrSkip)
		}
		st, err := s.open()
		if err != nil {
			rec := s.Run.Start(metaOf(p, tags))
			rec.End(evidence.StatusFailed, err)
			return ctx, fmt.Errorf("the %s stack did not start: %w", s.StackName, err)
		}
		private := slices.Contains(tags, "@destructive") && !slices.Contains(tags, "@multi-broker")
		pk, canPrivate := st.(stack.PrivateKafka)
		private = private && canPrivate
		unlock := s.lock(tags, private)
		rec := s.Run.Start(metaOf(p, tags))
		var closeKafka func(context.Context) error
		if private {
			start := time.Now()
			k, closeK, err := pk.NewKafka(ctx)
			if err != nil {
				unlock()
				rec.End(evidence.StatusFailed, err)
				return ctx, fmt.Errorf("a Kafka cluster of its own for this destructive scenario did not start: %w", err)
			}
			closeKafka = closeK
			st = stack.WithKafka(st, k)
			rec.Mark(evidence.EventNote, "private Kafka", fmt.Sprintf(
				"this destructive scenario breaks a cluster of its own (%s, started in %.2f s), not the shared one",
				strings.Join(k.Bootstrap(), ","), time.Since(start).Seconds()))
		}
		w := newWorld(st, s.SUT, rec, p.Name)
		w.onCleanup("scenario lock", func(context.Context) error { unlock(); return nil })
		if closeKafka != nil {
			w.onCleanup("private Kafka", closeKafka)
		}
		s.track(w, true)
		return withWorld(ctx, w), nil
	})
	sc.After(func(ctx context.Context, p *godog.Scenario, stepErr error) (context.Context, error) {
		w, ok := ctx.Value(worldKey{}).(*World)
		if !ok {
			return ctx, stepErr
		}
		cleanupErr := w.cleanup()
		s.track(w, false)
		w.rec.End(statusOf(stepErr, cleanupErr), errors.Join(stepErr, cleanupErr))
		// godog reports the step's own error; a fault or service that could not be undone
		// fails the scenario too.
		return ctx, cleanupErr
	})
	registerSteps(sc)
}

// lock takes the suite's lock for a scenario: exclusively for a @destructive one that
// breaks the shared broker, shared for the others (and for a destructive one that has a
// cluster of its own). It returns the unlock function.
func (s *Suite) lock(tags []string, private bool) func() {
	if slices.Contains(tags, "@destructive") && !private {
		s.exclusive.Lock()
		return sync.OnceFunc(s.exclusive.Unlock)
	}
	s.exclusive.RLock()
	return sync.OnceFunc(s.exclusive.RUnlock)
}

func statusOf(stepErr, cleanupErr error) string {
	switch {
	case errors.Is(stepErr, godog.ErrSkip):
		return evidence.StatusSkipped
	case errors.Is(stepErr, godog.ErrPending):
		return evidence.StatusPending
	case errors.Is(stepErr, godog.ErrUndefined):
		return evidence.StatusUndefined
	case stepErr != nil || cleanupErr != nil:
		return evidence.StatusFailed
	}
	return evidence.StatusPassed
}

// metaOf identifies a scenario for the recorder: the pickle's line is its example row's
// line in an outline, which tells examples apart where their names do not.
func metaOf(p *godog.Scenario, tags []string) evidence.Meta {
	m := evidence.Meta{ID: p.Id, Name: p.Name, URI: p.Uri, Tags: tags}
	if p.Location != nil {
		m.Line = int(p.Location.Line)
	}
	return m
}

func tagNames(p *godog.Scenario) []string {
	out := make([]string, len(p.Tags))
	for i, t := range p.Tags {
		out[i] = t.Name
	}
	return out
}

// registerSteps registers every step of every capability.
func registerSteps(sc *godog.ScenarioContext) {
	registerSequenceSteps(sc)
	registerTenantSteps(sc)
	registerOutageSteps(sc)
	registerCorruptionSteps(sc)
	registerAlertingSteps(sc)
	registerWebSocketSteps(sc)
	registerExporterSteps(sc)
	registerSkewSteps(sc)
	registerProducerContractSteps(sc)
	registerQualitySteps(sc)
	registerTrafficSteps(sc)
	registerBreakerSteps(sc)
	registerAuditSteps(sc)
	registerLabelSteps(sc)
	registerSettingsSteps(sc)
	registerLogIDSteps(sc)
	registerHostileSteps(sc)
	registerHostileIDSteps(sc)
	registerHostileQueueSteps(sc)
}
