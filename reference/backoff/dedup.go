package backoff

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Defaults of a Dedup handler.
const (
	// DefaultDedupInterval is how long repeats of a line are suppressed after it is logged.
	DefaultDedupInterval = 60 * time.Second
	// DefaultDedupKeys caps the distinct lines tracked; beyond it lines pass unsuppressed.
	DefaultDedupKeys = 1024
)

// DedupOpt configures a Dedup handler.
type DedupOpt interface{ applyDedup(*dedupState) }

type dedupOpt func(*dedupState)

func (o dedupOpt) applyDedup(s *dedupState) { o(s) }

// Interval sets the suppression interval. Default DefaultDedupInterval.
func Interval(d time.Duration) DedupOpt { return dedupOpt(func(s *dedupState) { s.interval = d }) }

// DedupClock sets the time source. Default time.Now.
func DedupClock(now func() time.Time) DedupOpt { return dedupOpt(func(s *dedupState) { s.now = now }) }

// MaxKeys caps the distinct lines tracked. Default DefaultDedupKeys.
func MaxKeys(n int) DedupOpt { return dedupOpt(func(s *dedupState) { s.maxKeys = n }) }

// Dedup is a slog.Handler that passes the first of a run of similar records and
// suppresses the rest for an interval. Two records are similar when level, message,
// and every attribute are equal, where the value of an attribute named "error" is
// compared with its digits masked (ephemeral ports and byte counts differ between
// otherwise identical network errors). The first similar record after the interval is
// logged with " (suppressed N similar in the last Ts)" appended to its message and an
// attribute suppressed=N; Flush does the same for runs that ended silently and adds
// flushed=true, so a reader can count exactly: a flushed line repeats the last of the N
// suppressed records and stands for N, a line written by Handle for N+1. Handlers
// derived with WithAttrs and WithGroup share the state of their parent.
type Dedup struct {
	next  slog.Handler
	st    *dedupState
	scope string // attributes and groups added by WithAttrs/WithGroup, part of the key
}

type dedupState struct {
	interval time.Duration
	now      func() time.Time
	maxKeys  int

	mu      sync.Mutex
	entries map[string]*dedupEntry
}

type dedupEntry struct {
	since      time.Time // when the last line of this kind was written
	suppressed int
	last       slog.Record  // the last suppressed record
	handler    slog.Handler // the handler it came through
}

var _ slog.Handler = (*Dedup)(nil)

// NewDedup wraps next.
func NewDedup(next slog.Handler, opts ...DedupOpt) *Dedup {
	st := &dedupState{interval: DefaultDedupInterval, now: time.Now, maxKeys: DefaultDedupKeys,
		entries: map[string]*dedupEntry{}}
	for _, o := range opts {
		o.applyDedup(st)
	}
	return &Dedup{next: next, st: st}
}

// Enabled implements slog.Handler.
func (d *Dedup) Enabled(ctx context.Context, l slog.Level) bool { return d.next.Enabled(ctx, l) }

// WithAttrs implements slog.Handler.
func (d *Dedup) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(d.scope)
	for _, a := range as {
		writeAttr(&b, a)
	}
	return &Dedup{next: d.next.WithAttrs(as), st: d.st, scope: b.String()}
}

// WithGroup implements slog.Handler.
func (d *Dedup) WithGroup(name string) slog.Handler {
	return &Dedup{next: d.next.WithGroup(name), st: d.st, scope: d.scope + "[" + name + "]"}
}

// Handle implements slog.Handler.
func (d *Dedup) Handle(ctx context.Context, r slog.Record) error {
	key := d.key(r)
	st := d.st
	now := st.now()
	st.mu.Lock()
	e, ok := st.entries[key]
	switch {
	case ok && now.Sub(e.since) < st.interval:
		e.suppressed++
		e.last = r.Clone()
		e.handler = d.next
		st.mu.Unlock()
		return nil
	case ok:
		n, since := e.suppressed, e.since
		e.since, e.suppressed = now, 0
		st.mu.Unlock()
		if n > 0 {
			r = annotate(r, n, now.Sub(since), false)
		}
		return d.next.Handle(ctx, r)
	}
	if len(st.entries) >= st.maxKeys {
		st.sweep(now)
	}
	if len(st.entries) < st.maxKeys {
		st.entries[key] = &dedupEntry{since: now}
	}
	st.mu.Unlock()
	return d.next.Handle(ctx, r)
}

// Flush writes, for every run whose interval has passed with suppressed records, its
// last record annotated with the count, and forgets lines idle for an interval. Call it
// on a ticker (every interval) and at shutdown with force=true, which writes every
// pending count whatever its age.
func (d *Dedup) Flush(ctx context.Context, force bool) error {
	st := d.st
	now := st.now()
	type pending struct {
		h slog.Handler
		r slog.Record
	}
	var out []pending
	st.mu.Lock()
	for k, e := range st.entries {
		due := now.Sub(e.since) >= st.interval
		if e.suppressed > 0 && (due || force) {
			out = append(out, pending{e.handler, annotate(e.last, e.suppressed, now.Sub(e.since), true)})
			e.since, e.suppressed = now, 0
			continue
		}
		if due && e.suppressed == 0 {
			delete(st.entries, k)
		}
	}
	st.mu.Unlock()
	var errs []error
	for _, p := range out {
		if err := p.h.Handle(ctx, p.r); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("flush dedup: %w", errs[0])
	}
	return nil
}

// sweep forgets lines idle for an interval; st.mu is held.
func (st *dedupState) sweep(now time.Time) {
	for k, e := range st.entries {
		if e.suppressed == 0 && now.Sub(e.since) >= st.interval {
			delete(st.entries, k)
		}
	}
}

func annotate(r slog.Record, n int, over time.Duration, flushed bool) slog.Record {
	secs := max(int(over.Round(time.Second)/time.Second), 1)
	out := slog.NewRecord(r.Time, r.Level, fmt.Sprintf("%s (suppressed %d similar in the last %ds)", r.Message, n, secs), r.PC)
	r.Attrs(func(a slog.Attr) bool { out.AddAttrs(a); return true })
	out.AddAttrs(slog.Int("suppressed", n))
	if flushed {
		out.AddAttrs(slog.Bool("flushed", true))
	}
	return out
}

func (d *Dedup) key(r slog.Record) string {
	var b strings.Builder
	b.WriteString(r.Level.String())
	b.WriteByte('|')
	b.WriteString(r.Message)
	b.WriteByte('|')
	b.WriteString(d.scope)
	r.Attrs(func(a slog.Attr) bool { writeAttr(&b, a); return true })
	return b.String()
}

func writeAttr(b *strings.Builder, a slog.Attr) {
	b.WriteString(a.Key)
	b.WriteByte('=')
	v := a.Value.Resolve().String()
	if a.Key == "error" {
		v = maskDigits(v)
	}
	b.WriteString(v)
	b.WriteByte(';')
}

// maskDigits replaces every run of digits with '#'.
func maskDigits(s string) string {
	var b strings.Builder
	inRun := false
	for _, c := range s {
		if c >= '0' && c <= '9' {
			if !inRun {
				b.WriteByte('#')
			}
			inRun = true
			continue
		}
		inRun = false
		b.WriteRune(c)
	}
	return b.String()
}
