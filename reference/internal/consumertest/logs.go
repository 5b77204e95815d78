package consumertest

import (
	"context"
	"log/slog"
	"sync"
)

// Entry is one captured log record.
type Entry struct {
	Level slog.Level
	Msg   string
	Attrs map[string]any
}

// Logs captures slog records in memory; its Handler is safe for concurrent use.
type Logs struct {
	mu      sync.Mutex
	entries []Entry
}

// Handler returns a slog.Handler that appends every record (all levels) to l.
func (l *Logs) Handler() slog.Handler { return &handler{logs: l} }

// Find returns the captured entries with message msg, in order.
func (l *Logs) Find(msg string) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Entry
	for _, e := range l.entries {
		if e.Msg == msg {
			out = append(out, e)
		}
	}
	return out
}

type handler struct {
	logs  *Logs
	attrs []slog.Attr
}

func (h *handler) Enabled(context.Context, slog.Level) bool { return true }

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	e := Entry{Level: r.Level, Msg: r.Message, Attrs: map[string]any{}}
	for _, a := range h.attrs {
		e.Attrs[a.Key] = a.Value.Resolve().Any()
	}
	r.Attrs(func(a slog.Attr) bool {
		e.Attrs[a.Key] = a.Value.Resolve().Any()
		return true
	})
	h.logs.mu.Lock()
	h.logs.entries = append(h.logs.entries, e)
	h.logs.mu.Unlock()
	return nil
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{logs: h.logs, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

// WithGroup is not needed by the consumer; groups are flattened.
func (h *handler) WithGroup(string) slog.Handler { return h }
