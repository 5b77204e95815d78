package evidence

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Recorder records one scenario. Get it from Run.Start; it is safe for concurrent use,
// and a nil *Recorder records nothing.
type Recorder struct {
	sc  *Scenario
	run *Run
}

func (r *Recorder) now() time.Time { return r.run.now() }

func (r *Recorder) locked(fn func(s *Scenario)) {
	if r == nil {
		return
	}
	r.sc.mu.Lock()
	defer r.sc.mu.Unlock()
	fn(r.sc)
}

// Evidence records data captured in phase as a JSON value (see the package doc for how
// data is encoded). kind is one of the Kind constants; name says what it is
// ("consumer_lag", "GET /healthz").
func (r *Recorder) Evidence(phase Phase, kind, name string, data any) {
	if r == nil {
		return
	}
	it := Item{At: r.now(), Phase: phase, Kind: kind, Name: name}
	raw, text, err := encode(data)
	switch {
	case err != nil:
		it.Text = fmt.Sprintf("evidence: cannot encode %T as JSON: %v", data, err)
	default:
		it.Data, it.Text = raw, text
	}
	r.locked(func(s *Scenario) { s.Evidence = append(s.Evidence, it) })
}

// Text records text captured in phase (a log line, a command's output, a note).
func (r *Recorder) Text(phase Phase, kind, name, text string) {
	if r == nil {
		return
	}
	it := Item{At: r.now(), Phase: phase, Kind: kind, Name: name, Text: text}
	r.locked(func(s *Scenario) { s.Evidence = append(s.Evidence, it) })
}

// Mark puts an event of kind (an Event constant) on the timeline now.
func (r *Recorder) Mark(kind, name, detail string) {
	if r == nil {
		return
	}
	r.MarkAt(r.now(), kind, name, detail)
}

// MarkAt puts an event on the timeline at a time observed elsewhere, such as an alert's
// activeAt from Prometheus or a webhook's arrival time. A zero at means now.
func (r *Recorder) MarkAt(at time.Time, kind, name, detail string) {
	if r == nil {
		return
	}
	if at.IsZero() {
		at = r.now()
	}
	ev := Event{At: Stamp(at), Kind: kind, Name: name, Detail: detail}
	r.locked(func(s *Scenario) { s.Timeline = append(s.Timeline, ev) })
}

// MarkLate is MarkAt for an event the harness cannot see happen exactly: it happened
// between at and at+late.
func (r *Recorder) MarkLate(at time.Time, late time.Duration, kind, name, detail string) {
	if r == nil {
		return
	}
	ev := Event{At: Stamp(at), Kind: kind, Name: name, Detail: detail, Late: late}
	r.locked(func(s *Scenario) { s.Timeline = append(s.Timeline, ev) })
}

// Last returns the event of kind put on the timeline last, and whether there is one: how
// one step family reads a fact another recorded (an alert condition's onset, a broker's
// return).
func (r *Recorder) Last(kind string) (Event, bool) {
	var ev Event
	found := false
	if r == nil {
		return ev, false
	}
	r.locked(func(s *Scenario) {
		for i := len(s.Timeline) - 1; i >= 0; i-- {
			if s.Timeline[i].Kind == kind {
				ev, found = s.Timeline[i], true
				return
			}
		}
	})
	return ev, found
}

// FaultStart marks the start of a fault and returns its span id, to be passed to
// FaultEnd when the fault is undone. On a nil Recorder it returns "".
func (r *Recorder) FaultStart(name, detail string) string {
	if r == nil {
		return ""
	}
	at := r.now()
	var span string
	r.locked(func(s *Scenario) {
		n := 1
		for _, ev := range s.Timeline {
			if ev.Kind == EventFaultStart {
				n++
			}
		}
		span = "f" + strconv.Itoa(n)
		s.Timeline = append(s.Timeline, Event{At: at, Kind: EventFaultStart, Name: name, Detail: detail, Span: span})
	})
	return span
}

// FaultEnd marks the end of the fault span started by FaultStart and reports whether it
// was open. Calling it twice, or with an unknown span, records nothing and returns false.
func (r *Recorder) FaultEnd(span, detail string) bool {
	if r == nil {
		return false
	}
	at := r.now()
	ended := false
	r.locked(func(s *Scenario) {
		name, open := openSpans(s)[span]
		if !open {
			return
		}
		s.Timeline = append(s.Timeline, Event{At: at, Kind: EventFaultEnd, Name: name, Detail: detail, Span: span})
		ended = true
	})
	return ended
}

// openSpans maps each span started and not yet ended to its fault's name.
func openSpans(s *Scenario) map[string]string {
	open := map[string]string{}
	for _, ev := range s.Timeline {
		switch ev.Kind {
		case EventFaultStart:
			open[ev.Span] = ev.Name
		case EventFaultEnd:
			delete(open, ev.Span)
		}
	}
	return open
}

// Log keeps an excerpt of a service's log (the last LogLimit bytes, cut at a line
// start), replacing any excerpt recorded before for that service.
func (r *Recorder) Log(service, excerpt string) {
	if r == nil {
		return
	}
	excerpt = tail(excerpt, r.run.cfg.logLimit)
	r.locked(func(s *Scenario) {
		if s.Logs == nil {
			s.Logs = map[string]string{}
		}
		s.Logs[service] = excerpt
	})
}

func tail(s string, limit int) string {
	if limit <= 0 || len(s) <= limit {
		return s
	}
	cut := s[len(s)-limit:]
	if s[len(s)-limit-1] != '\n' { // cut mid-line: start at the next line
		if i := strings.IndexByte(cut, '\n'); i >= 0 && i < len(cut)-1 {
			cut = cut[i+1:]
		}
	}
	return fmt.Sprintf("[... %d bytes cut ...]\n%s", len(s)-len(cut), cut)
}

// Skip marks the scenario skipped with the reason the report shows (a missing tool, a
// stack that cannot inject this fault). The step still returns godog.ErrSkip itself.
func (r *Recorder) Skip(reason string) {
	r.locked(func(s *Scenario) {
		s.Status = StatusSkipped
		s.SkipReason = reason
	})
}

// SkipMissing marks the scenario skipped because the stack lacks the named capabilities:
// a skip the run's release profile may declare acceptable (see ReleaseProfile). A skip
// for any other reason (Skip) always makes the run INCOMPLETE.
func (r *Recorder) SkipMissing(reason string, capabilities ...string) {
	r.locked(func(s *Scenario) {
		s.Status = StatusSkipped
		s.SkipReason = reason
		s.Missing = append([]string(nil), capabilities...)
	})
}

// End stamps the scenario's end with its status (a Status constant; "" keeps the status
// set by Skip, and so does StatusPassed: a skipped scenario never passes) and its error,
// if any. For a skipped scenario without a reason the error's
// text becomes the reason. Fault spans still open are closed, and expectations still
// open are recorded as not met, both saying so. A second End updates status and error
// but keeps the first end time.
func (r *Recorder) End(status string, err error) {
	if r == nil {
		return
	}
	at := r.now()
	r.locked(func(s *Scenario) {
		// godog hands the After hook no error for a scenario skipped before its last step,
		// so a recorded skip is never turned into a pass; a failure still overrides it.
		if status != "" && (status != StatusPassed || s.Status != StatusSkipped) {
			s.Status = status
		}
		if err != nil {
			if s.Status == StatusSkipped {
				if s.SkipReason == "" {
					s.SkipReason = err.Error()
				}
			} else {
				s.Error = err.Error()
			}
		}
		closeOpen(s, at)
		if s.Ended.IsZero() {
			s.Ended = at
		}
	})
}

// abandon ends a scenario that never called End.
func (r *Recorder) abandon() {
	at := r.now()
	r.locked(func(s *Scenario) {
		if !s.Ended.IsZero() {
			return
		}
		closeOpen(s, at)
		s.Ended = at
		if s.Status == "" && s.Error == "" {
			s.Error = "the scenario never ended: the suite was interrupted or a hook did not run"
		}
	})
}

func closeOpen(s *Scenario, at time.Time) {
	for span, name := range openSpans(s) {
		s.Timeline = append(s.Timeline, Event{At: at, Kind: EventFaultEnd, Name: name, Span: span,
			Detail: "still active when the scenario ended: the fault was not undone by its step"})
	}
	for i := range s.Expectations {
		if open(s.Expectations[i]) {
			resolve(s, i, time.Time{}, at, "still waiting when the scenario ended")
		}
	}
}

// Snapshot returns a deep copy of the scenario as recorded so far.
func (r *Recorder) Snapshot() *Scenario {
	var c *Scenario
	r.locked(func(s *Scenario) { c = s.copy() })
	return c
}
