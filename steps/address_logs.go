package steps

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

// logLine is one slog text line the harness captured from a service's output.
type logLine struct {
	raw   string
	attrs map[string]string
}

var logfmtPair = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|\S*)`)

// parseLogLine reads the key=value pairs of a slog text line; ok is false for a line
// without level and msg (not a log record).
func parseLogLine(raw string) (logLine, bool) {
	l := logLine{raw: raw, attrs: map[string]string{}}
	for _, m := range logfmtPair.FindAllStringSubmatch(raw, -1) {
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
		}
		if _, dup := l.attrs[m[1]]; !dup {
			l.attrs[m[1]] = v
		}
	}
	_, hasLevel := l.attrs["level"]
	_, hasMsg := l.attrs["msg"]
	return l, hasLevel && hasMsg
}

var (
	suppressedSuffix = regexp.MustCompile(` \(suppressed (\d+) similar in the last \d+s\)$`)
	digits           = regexp.MustCompile(`[0-9]+`)
)

// connErrorKey returns what makes two connection-error lines "the same error" by the
// backoff doc: level, message (without the suppressed suffix), broker and the error
// with its digits masked. ok is false for other lines.
func (l logLine) connErrorKey() (string, bool) {
	msg := suppressedSuffix.ReplaceAllString(l.attrs["msg"], "")
	if msg != "kafka connect failed" && msg != "kafka request failed" {
		return "", false
	}
	return strings.Join([]string{l.attrs["level"], msg, l.attrs["broker"], digits.ReplaceAllString(l.attrs["error"], "N")}, " | "), true
}

// exporterConnErrors returns the exporter's connection-error lines by key, in order,
// from the output the harness captured, and every warning or error line.
func exporterConnErrors(exp stack.Service) (map[string][]logLine, []string) {
	byKey := map[string][]logLine{}
	var warnings []string
	for _, raw := range strings.Split(exp.Log(0), "\n") {
		l, ok := parseLogLine(raw)
		if !ok {
			continue
		}
		if lv := l.attrs["level"]; lv == "WARN" || lv == "ERROR" {
			warnings = append(warnings, raw)
		}
		if k, ok := l.connErrorKey(); ok {
			byKey[k] = append(byKey[k], l)
		}
	}
	return byKey, warnings
}

// firstLineWithin bounds the wait for the first connection-error line: a hanging
// address fails a connection only when its first request times out (franz-go: about
// 10 s after the dial), later on a loaded machine.
const firstLineWithin = 30 * time.Second

// loggedOnce judges a window shorter than the dedup interval: once a connection error
// was logged, each distinct one was logged once.
func loggedOnce(ctx context.Context) error {
	w := world(ctx)
	st := state[addressState](w)
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	var byKey map[string][]logLine
	var warnings []string
	err = w.eventually(ctx, "the exporter to log a connection error", firstLineWithin, func(context.Context) (bool, string, error) {
		byKey, warnings = exporterConnErrors(exp)
		return len(byKey) > 0, fmt.Sprintf("%d distinct connection errors, %d warnings", len(byKey), len(warnings)), nil
	})
	w.rec.Text(evidence.During, evidence.KindLog, "exporter warnings", strings.Join(warnings, "\n"))
	if err != nil {
		return fmt.Errorf("the exporter logged no connection error about the broker it cannot reach: %w", err)
	}
	if elapsed := time.Since(st.started); elapsed >= st.dedup {
		return fmt.Errorf("the first connection error came %.0f s after the start, past the dedup interval %s: once per interval cannot be judged", elapsed.Seconds(), st.dedup)
	}
	for k, lines := range byKey {
		if len(lines) > 1 {
			return fmt.Errorf("the exporter logged the connection error %q %d times, expected once within the dedup interval:\n%s", k, len(lines), joinRaw(lines))
		}
	}
	return nil
}

// loggedOncePerInterval judges a window longer than the dedup interval: each distinct
// error has at most one line per interval passed (counted on the harness's clock from
// the exporter's start); a line after a key's first carries " (suppressed N similar in
// the last Ts)" and suppressed=N together, N >= 1, or neither (nothing was suppressed in
// that interval). That the counts add up, and that one is shown at all, is judged once
// the exporter stopped and flushed (logAccountsForConnections): whether a count shows
// within the window depends on when the periodic flush runs.
func loggedOncePerInterval(ctx context.Context) error {
	w := world(ctx)
	st := state[addressState](w)
	elapsed := time.Since(st.started)
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	byKey, warnings := exporterConnErrors(exp)
	w.rec.Text(evidence.During, evidence.KindLog, "exporter warnings", strings.Join(warnings, "\n"))
	if len(byKey) == 0 {
		return fmt.Errorf("the exporter logged no connection error about the broker it cannot reach (warnings: %d)", len(warnings))
	}
	allowed := 1 + int(elapsed/st.dedup)
	accounted, annotated := 0, 0
	for k, lines := range byKey {
		if len(lines) > allowed {
			return fmt.Errorf("the exporter logged the connection error %q %d times in %.0f s, at most %d with a %s dedup interval:\n%s", k, len(lines), elapsed.Seconds(), allowed, st.dedup, joinRaw(lines))
		}
		accounted += len(lines)
		for i, l := range lines[1:] {
			m := suppressedSuffix.FindStringSubmatch(l.attrs["msg"])
			attr, hasAttr := l.attrs["suppressed"]
			if m == nil && !hasAttr {
				continue // a repeat after an interval in which nothing was suppressed
			}
			if m == nil || !hasAttr {
				return fmt.Errorf("line %d of the connection error %q carries half of the suppressed count (the suffix and suppressed=N go together): %s", i+2, k, l.raw)
			}
			n, err := strconv.Atoi(attr)
			if err != nil || attr != m[1] || n < 1 {
				return fmt.Errorf("line %d of the connection error %q carries suppressed=%s and %q: expected the same count, at least 1: %s", i+2, k, attr, m[0], l.raw)
			}
			accounted += n
			annotated++
		}
	}
	conns, ok := st.acceptTimes()
	if !ok {
		return fmt.Errorf("the address %s has no harness listener to compare the logged failures with", st.kind)
	}
	w.rec.Evidence(evidence.During, evidence.KindLog, "connection errors in the exporter's log", map[string]any{
		"distinct_errors": len(byKey), "lines_with_suppressed_count": annotated, "failures_accounted_by_lines": accounted,
		"connections_at_harness_listener": len(conns), "dedup_interval_seconds": st.dedup.Seconds(), "elapsed_seconds": elapsed.Seconds()})
	return nil
}

func joinRaw(lines []logLine) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.raw
	}
	return strings.Join(out, "\n")
}

// shutdownCancels is how long before a stop a connection may have been made whose
// failure the exporter rightly ignores: the stop cancels the attempt (context.Canceled
// is the client's own doing, not the broker's), so it is never logged.
const shutdownCancels = 2 * time.Second

// exporterStops stops the exporter gracefully: it flushes the repeats it still held.
func exporterStops(ctx context.Context) error {
	w := world(ctx)
	st := state[addressState](w)
	if st.sockets != nil {
		st.sockets.stop()
	}
	st.stopping = time.Now()
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	if err := exp.Stop(ctx); err != nil {
		return fmt.Errorf("stop exporter: %w", err)
	}
	st.stopped = time.Now()
	w.rec.Mark(evidence.KindNote, "exporter stopped", fmt.Sprintf("SIGTERM, exited %.2f s later: the dedup handler flushed what it held", st.stopped.Sub(st.stopping).Seconds()))
	return nil
}

// logAccountsForConnections compares, after the exporter stopped, the failures its log
// accounts for with the connections the harness's listener accepted until the process
// exited: one failure per connection, none lost and none invented. A line with
// "(suppressed N ...)" stands for N failures when Flush wrote it (it shows the last one
// it held) and N+1 when a new failure after the interval did: the log accounts for
// between lo (every such line a flush) and hi (none) failures, and the connections must
// fall in that range. A connection made from shutdownCancels before the stop on may be
// cancelled by it and go unlogged.
func logAccountsForConnections(ctx context.Context) error {
	w := world(ctx)
	st := state[addressState](w)
	if st.stopped.IsZero() {
		return fmt.Errorf("the exporter was not stopped: its log may still hold repeats")
	}
	all, ok := st.acceptTimes()
	if !ok {
		return fmt.Errorf("the address %s has no harness listener to compare the log with", st.kind)
	}
	conns := within(all, st.started, st.stopped)
	late := len(within(conns, st.stopping.Add(-shutdownCancels), st.stopped))
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	byKey, _ := exporterConnErrors(exp)
	accounted := failuresAccounted(byKey)
	var lines []string
	for _, ls := range byKey {
		lines = append(lines, joinRaw(ls))
	}
	w.rec.Evidence(evidence.After, evidence.KindLog, "failures in the exporter's log beside connections at the address", map[string]any{
		"failures_accounted": accounted, "connections_at_harness_listener": len(conns),
		"connections_from_2s_before_stop_to_exit": late, "distinct_errors": len(byKey)})
	if counted := countedLines(byKey); counted == 0 && len(conns) > len(byKey) {
		return fmt.Errorf("the exporter's log accounts for no suppressed repeat, no line carries suppressed=N (%d distinct errors, %d connections at the address): the repeats were dropped, not counted:\n%s",
			len(byKey), len(conns), strings.Join(lines, "\n"))
	}
	if accounted > len(conns) || accounted < len(conns)-late {
		return fmt.Errorf("the exporter's log accounts for %d connection failures (lines and the repeats they say were suppressed), the harness's listener accepted %d connections (%d of them from %s before the stop to the exit, which the exporter may end itself):\n%s",
			accounted, len(conns), late, shutdownCancels, strings.Join(lines, "\n"))
	}
	return nil
}

// failuresAccounted returns how many failures the lines stand for: a line Flush wrote
// (suppressed=N flushed=true) repeats the last of N suppressed failures and is N; a line
// with suppressed=N written by a new failure is N+1; a plain line is one. A line with
// suppressed=N but an unreadable count stands for one, so it can only undercount.
func failuresAccounted(byKey map[string][]logLine) int {
	n := 0
	for _, ls := range byKey {
		for _, l := range ls {
			s, err := strconv.Atoi(l.attrs["suppressed"])
			switch {
			case err != nil:
				n++
			case l.attrs["flushed"] == "true":
				n += s
			default:
				n += s + 1
			}
		}
	}
	return n
}

// countedLines returns how many lines carry suppressed=N.
func countedLines(byKey map[string][]logLine) int {
	n := 0
	for _, ls := range byKey {
		for _, l := range ls {
			if _, ok := l.attrs["suppressed"]; ok {
				n++
			}
		}
	}
	return n
}
