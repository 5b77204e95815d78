package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dashstream/acceptance/system/stack"
)

// Timeline receives the start and end of every fault. *evidence.Recorder (steps/evidence)
// satisfies it; a nil Timeline records nothing.
type Timeline interface {
	// FaultStart records that a fault began and returns the span that FaultEnd closes.
	FaultStart(name, detail string) (span string)
	// FaultEnd records that the fault of span ended; it reports whether the span was open.
	FaultEnd(span, detail string) bool
}

// Fault is one kind of failure aimed at one component, as a value: constructing it does
// nothing; Inject causes it.
type Fault interface {
	// Name is the fault's kind as it appears on the timeline ("broker-kill").
	Name() string
	// Needs lists the stack capabilities the fault requires; check them with
	// stack.Missing before injecting.
	Needs() []stack.Capability
	// Inject causes the fault and records its start on tl (nil allowed). On error nothing
	// stays injected, and the timeline shows the attempt as a span that ended at once.
	Inject(ctx context.Context, tl Timeline) (Handle, error)
}

// Handle undoes one injected fault.
type Handle interface {
	// Undo reverts the fault and waits, within a deadline, until the component recovered;
	// then it records the fault's end on the timeline. It is safe to call twice and from
	// several goroutines: once it succeeded, further calls do nothing. When it fails, the
	// span stays open and a later call tries again from where it failed.
	Undo(ctx context.Context) error
}

// Defaults of the faults.
const (
	// DefaultRecovery bounds how long Undo waits for the component to recover.
	DefaultRecovery = 2 * time.Minute
	// DefaultHealthCheck bounds the health check before a broker fault is injected.
	DefaultHealthCheck = 10 * time.Second
	// DefaultUndoTimeout bounds each Undo run by UndoOnCleanup.
	DefaultUndoTimeout = 3 * time.Minute
)

// Option configures a broker or service fault.
type Option interface{ apply(*config) }

type config struct {
	recovery time.Duration
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Recovery bounds how long Undo waits for the component to answer again
// (default DefaultRecovery). Undo's ctx bounds it too.
func Recovery(d time.Duration) Option { return optionFunc(func(c *config) { c.recovery = d }) }

func newConfig(opts []Option) config {
	c := config{recovery: DefaultRecovery}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

type nopTimeline struct{}

func (nopTimeline) FaultStart(string, string) string { return "" }
func (nopTimeline) FaultEnd(string, string) bool     { return false }

func orNop(tl Timeline) Timeline {
	if tl == nil {
		return nopTimeline{}
	}
	return tl
}

// undoStep is one stage of an Undo: it runs until it succeeds once.
type undoStep func(ctx context.Context) error

// handle implements Handle over a list of steps (revert, then wait for recovery).
type handle struct {
	mu      sync.Mutex
	name    string
	tl      Timeline
	span    string
	steps   []undoStep
	next    int
	endNote func() string
	done    bool
}

func (h *handle) Undo(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return nil
	}
	for h.next < len(h.steps) {
		if err := h.steps[h.next](ctx); err != nil {
			return fmt.Errorf("undo %s: %w", h.name, err)
		}
		h.next++
	}
	h.done = true
	note := "undone"
	if h.endNote != nil {
		note = h.endNote()
	}
	h.tl.FaultEnd(h.span, note)
	return nil
}

// injection is what an injector returns: how to undo it, and a note for the timeline's
// fault-end event.
type injection struct {
	steps   []undoStep
	endNote func() string
}

// inject records the start of a fault, runs do and returns a handle; when do fails it
// runs rollback (if any, even when ctx is done, bounded by DefaultRecovery) and closes the
// span with the failure.
func inject(ctx context.Context, tl Timeline, name, detail string, do func(context.Context) (injection, error), rollback undoStep) (Handle, error) {
	tl = orNop(tl)
	span := tl.FaultStart(name, detail)
	inj, err := do(ctx)
	if err != nil {
		if rollback != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultRecovery)
			rerr := rollback(rctx)
			cancel()
			if rerr != nil {
				err = errors.Join(err, fmt.Errorf("roll back: %w", rerr))
			}
		}
		tl.FaultEnd(span, "inject failed: "+err.Error())
		return nil, fmt.Errorf("inject %s: %w", name, err)
	}
	return &handle{name: name, tl: tl, span: span, steps: inj.steps, endNote: inj.endNote}, nil
}

// UndoAll undoes handles in reverse order (the last injected first), each even when an
// earlier one failed, and returns every error joined. Nil handles are skipped, so a
// handle from a failed Inject can be passed as it is.
func UndoAll(ctx context.Context, handles ...Handle) error {
	var errs []error
	for i := len(handles) - 1; i >= 0; i-- {
		if handles[i] == nil {
			continue
		}
		errs = append(errs, handles[i].Undo(ctx))
	}
	return errors.Join(errs...)
}

// Cleaner is what UndoOnCleanup needs of a *testing.T (or testing.TB).
type Cleaner interface {
	Cleanup(func())
	Errorf(format string, args ...any)
}

// UndoOnCleanup registers h's Undo with t.Cleanup, bounded by DefaultUndoTimeout and
// independent of any test context, and reports a failed Undo with t.Errorf. A nil h is
// ignored.
func UndoOnCleanup(t Cleaner, h Handle) {
	if h == nil {
		return
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultUndoTimeout)
		defer cancel()
		if err := h.Undo(ctx); err != nil {
			t.Errorf("chaos: %v", err)
		}
	})
}
