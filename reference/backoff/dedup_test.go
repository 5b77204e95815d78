package backoff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/backoff"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type line struct {
	Msg        string `json:"msg"`
	Error      string `json:"error"`
	Broker     string `json:"broker"`
	Suppressed int    `json:"suppressed"`
	Flushed    bool   `json:"flushed"`
}

// dedupLogger returns a logger through a Dedup with a fake clock and the lines written.
func dedupLogger(t *testing.T) (*slog.Logger, *backoff.Dedup, *fakeClock, func() []line) {
	t.Helper()
	var buf bytes.Buffer
	var mu sync.Mutex
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	d := backoff.NewDedup(slog.NewJSONHandler(syncWriter{&mu, &buf}, nil), backoff.DedupClock(clock.Now))
	lines := func() []line {
		mu.Lock()
		defer mu.Unlock()
		var out []line
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if l == "" {
				continue
			}
			var x line
			require.NoError(t, json.Unmarshal([]byte(l), &x))
			out = append(out, x)
		}
		return out
	}
	return slog.New(d), d, clock, lines
}

type syncWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestDedupOneLinePerIntervalWithCount(t *testing.T) {
	log, _, clock, lines := dedupLogger(t)
	for i := range 38 {
		// ephemeral ports differ; the error is the same
		log.Warn("kafka request failed", "broker", "b:9092", "error", "read tcp 127.0.0.1:"+string(rune('0'+i%10))+"5->1.2.3.4:9092: reset")
		clock.Add(time.Second)
	}
	require.Equal(t, []line{{Msg: "kafka request failed", Broker: "b:9092", Error: "read tcp 127.0.0.1:05->1.2.3.4:9092: reset"}}, lines())

	clock.Add(30 * time.Second) // 68 s after the first line
	log.Warn("kafka request failed", "broker", "b:9092", "error", "read tcp 127.0.0.1:77->1.2.3.4:9092: reset")
	got := lines()
	require.Len(t, got, 2)
	require.Equal(t, "kafka request failed (suppressed 37 similar in the last 68s)", got[1].Msg)
	require.Equal(t, 37, got[1].Suppressed)
	require.False(t, got[1].Flushed, "a repeat line is a new record: it stands for 38")
}

func TestDedupDistinctErrorsPass(t *testing.T) {
	log, _, _, lines := dedupLogger(t)
	for range 5 {
		log.Warn("kafka connect failed", "broker", "a:9092", "error", "no such host")
		log.Warn("kafka connect failed", "broker", "b:9092", "error", "no such host")
		log.Warn("kafka connect failed", "broker", "a:9092", "error", "connection refused")
		log.Info("kafka connect failed", "broker", "a:9092", "error", "no such host")
	}
	require.Len(t, lines(), 4, "one line per distinct level, message, broker and error")
}

func TestDedupFlushReportsSilentRuns(t *testing.T) {
	log, d, clock, lines := dedupLogger(t)
	ctx := context.Background()
	for range 3 {
		log.Warn("x", "error", "e")
	}
	require.NoError(t, d.Flush(ctx, false))
	require.Len(t, lines(), 1, "the interval has not passed")
	clock.Add(61 * time.Second)
	require.NoError(t, d.Flush(ctx, false))
	got := lines()
	require.Len(t, got, 2)
	require.Equal(t, "x (suppressed 2 similar in the last 61s)", got[1].Msg)
	require.Equal(t, 2, got[1].Suppressed)
	require.True(t, got[1].Flushed, "a flushed line says so: it stands for 2, not 3")
	require.NoError(t, d.Flush(ctx, true))
	require.Len(t, lines(), 2, "nothing pending")

	log.Warn("x", "error", "e")
	log.Warn("x", "error", "e")
	require.NoError(t, d.Flush(ctx, true))
	require.Equal(t, "x (suppressed 2 similar in the last 1s)", lines()[2].Msg, "the flushed line opened a new interval")
}

func TestDedupWithAttrsSharesState(t *testing.T) {
	log, _, _, lines := dedupLogger(t)
	a := log.With("component", "exporter")
	b := log.With("component", "wsserver")
	for range 3 {
		a.Warn("x", "error", "e")
		b.Warn("x", "error", "e")
		a.WithGroup("g").Warn("x", "error", "e")
	}
	require.Len(t, lines(), 3)
}

func TestDedupMaxKeysFailsOpen(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(backoff.NewDedup(slog.NewTextHandler(&buf, nil), backoff.MaxKeys(2)))
	for range 2 {
		for _, e := range []string{"a", "b", "c"} {
			log.Warn("x", "error", e)
		}
	}
	require.Equal(t, 4, strings.Count(buf.String(), "\n"), "a and b suppressed once; c untracked logs twice")
}
