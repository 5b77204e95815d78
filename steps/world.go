package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// World is the state of one scenario. Steps reach it with world(ctx).
type World struct {
	stack stack.Stack
	rec   *evidence.Recorder
	// sut is the implementation under test: every service starts through it.
	sut *sut.Profile
	// id is unique in the run; topic, tenant and group names derive from it.
	id string

	mu       sync.Mutex
	cleanups []cleanup

	// Scenario state the steps share.
	topics    map[string]string // logical name ("events") → real topic name
	tenant    string
	tenantSet bool
	services  map[string]stack.Service
	records   []readRecord
	producers map[string]*producer.Producer // by topic
	thread    string
	acks      map[uint64]producer.Ack // by sequence, of the scenario's thread
	load      *load

	mon monitoring.Monitoring

	clients map[string]*wsClient // WebSocket clients by tenant

	// families holds each step family's own state (see state), keyed by its type.
	families map[reflect.Type]any
}

// state returns the scenario's state of one step family, a *T created at first use. A
// step family keeps what only its steps read in a type of its own in its own file, so
// the code behind a step and the state it touches are read together; what crosses
// families goes through the recorder's timeline.
func state[T any](w *World) *T {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := reflect.TypeFor[T]()
	if s, ok := w.families[k]; ok {
		return s.(*T)
	}
	if w.families == nil {
		w.families = map[reflect.Type]any{}
	}
	s := new(T)
	w.families[k] = s
	return s
}

type cleanup struct {
	name string
	fn   func(context.Context) error
}

type worldKey struct{}

func withWorld(ctx context.Context, w *World) context.Context {
	return evidence.NewContext(context.WithValue(ctx, worldKey{}, w), w.rec)
}

// world returns the scenario's World; steps only run inside a scenario, which has one.
func world(ctx context.Context) *World { return ctx.Value(worldKey{}).(*World) }

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

func newWorld(st stack.Stack, prof *sut.Profile, rec *evidence.Recorder, scenario string) *World {
	var b [3]byte
	_, _ = rand.Read(b[:])
	slug := strings.Trim(nonName.ReplaceAllString(strings.ToLower(scenario), "-"), "-")
	if len(slug) > 24 {
		slug = strings.TrimRight(slug[:24], "-")
	}
	return &World{
		stack: st, sut: prof, rec: rec, id: slug + "-" + hex.EncodeToString(b[:]),
		topics: map[string]string{}, services: map[string]stack.Service{}, acks: map[uint64]producer.Ack{},
		producers: map[string]*producer.Producer{}, clients: map[string]*wsClient{},
	}
}

// topic returns the scenario's real topic for a logical name ("events", "quality").
func (w *World) topic(logical string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.topics[logical]; ok {
		return t
	}
	t := "ds-" + w.id + "-" + logical
	w.topics[logical] = t
	return t
}

// name returns a scenario-unique name with the given role ("group", "thread").
func (w *World) name(role string) string { return role + "-" + w.id }

// defer registers fn to run when the scenario ends, in reverse order of registration.
func (w *World) onCleanup(name string, fn func(context.Context) error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cleanups = append(w.cleanups, cleanup{name, fn})
}

// cleanup runs every registered cleanup, most recent first, each bounded by a minute,
// and returns their errors joined.
func (w *World) cleanup() error {
	w.mu.Lock()
	cs := w.cleanups
	w.cleanups = nil
	w.mu.Unlock()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := cs[i].fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("cleanup %s: %w", cs[i].name, err))
		}
		cancel()
	}
	return errors.Join(errs...)
}

// progress prints a line about the scenario on stderr as it happens (godog prints a step
// only once it has ended), so a watcher sees a long fault while it lasts.
func (w *World) progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", w.id, fmt.Sprintf(format, args...))
}

// need skips the scenario when the stack lacks a capability, with the reason recorded.
func (w *World) need(caps ...stack.Capability) error {
	if reason := stack.Missing(w.stack, caps...); reason != "" {
		var lack []string
		for _, c := range caps {
			if !stack.Has(w.stack, c) {
				lack = append(lack, string(c))
			}
		}
		w.rec.SkipMissing(reason, lack...)
		return fmt.Errorf("%s: %w", reason, godog.ErrSkip)
	}
	return nil
}

// service returns the scenario's service started under name ("exporter", "wsserver",
// "consumer", "exporter-2"), or an error naming it when no step of the scenario started
// one: the one way steps reach a service.
func (w *World) service(name string) (stack.Service, error) {
	svc, ok := w.services[name]
	if !ok {
		return nil, fmt.Errorf("no %s runs in this scenario: a step must start it first", name)
	}
	return svc, nil
}

// startService starts a reference service for the scenario, keeps it by its spec name,
// and registers its stop, keeping the last lines it printed as evidence.
func (w *World) startService(ctx context.Context, spec stack.ServiceSpec) (stack.Service, error) {
	svc, err := w.stack.Services().Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	w.services[spec.Name] = svc
	w.onCleanup(spec.Name, func(ctx context.Context) error {
		err := svc.Stop(ctx)
		w.rec.Log(spec.Name, svc.Log(200))
		return err
	})
	return svc, nil
}
