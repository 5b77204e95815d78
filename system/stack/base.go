package stack

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/tools"
)

// base holds what the process-based stacks (embedded, local) share.
type base struct {
	name     string
	caps     []Capability
	kafka    *cluster
	services *procServices
	versions map[string]string

	mu      sync.Mutex
	closers []func() error
	closed  bool
}

func newBase(name string, caps ...Capability) *base {
	b := &base{name: name, caps: caps, kafka: &cluster{}, versions: map[string]string{
		"prometheus": tools.Version("prometheus"), "alertmanager": tools.Version("alertmanager"),
	}}
	b.services = &procServices{brokers: b.kafka.Bootstrap}
	b.onClose(func() error { b.services.release(); return nil }) // first registered, so run last
	return b
}

func (b *base) Name() string                { return b.name }
func (b *base) Capabilities() []Capability  { return slices.Clone(b.caps) }
func (b *base) Kafka() Kafka                { return b.kafka }
func (b *base) Services() Services          { return b.services }
func (b *base) Versions() map[string]string { return maps.Clone(b.versions) }
func (b *base) onClose(fn func() error) {
	b.mu.Lock()
	b.closers = append(b.closers, fn)
	b.mu.Unlock()
}
func (b *base) setVersion(component, v string) { b.versions[component] = v }

// StartMonitoring starts Prometheus and Alertmanager as host processes (the pinned
// binaries) with the fast rule profile.
func (b *base) StartMonitoring(ctx context.Context, jobs ...monitoring.ScrapeJob) (monitoring.Monitoring, error) {
	st, err := monitoring.StartStack(ctx, monitoring.ScrapeJobs(jobs...))
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Close runs the closers in reverse order. Safe to call twice.
func (b *base) Close(context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	closers := b.closers
	b.mu.Unlock()
	var errs []error
	for i := len(closers) - 1; i >= 0; i-- {
		errs = append(errs, closers[i]())
	}
	return errors.Join(errs...)
}
