package evidence

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Phase is when an evidence item was captured relative to the scenario's fault.
type Phase string

// The phases of a scenario.
const (
	Before Phase = "before" // steady state, before any fault
	During Phase = "during" // while a fault is active
	After  Phase = "after"  // after the fault was undone and the system recovered (or not)
)

// Item kinds: what an evidence item holds.
const (
	KindMetric  = "metric"  // a metric value or a Prometheus query result
	KindHealth  = "health"  // a health or readiness check result
	KindAlert   = "alert"   // alerts as Prometheus or Alertmanager report them
	KindWebhook = "webhook" // notifications a webhook receiver got
	KindHeaders = "headers" // record or HTTP headers
	KindLog     = "log"     // a log line or excerpt
	KindNote    = "note"    // free text
)

// Event kinds: what happened on the scenario timeline.
const (
	EventFaultStart    = "fault-start"
	EventFaultEnd      = "fault-end"
	EventAlertFiring   = "alert-firing"
	EventAlertResolved = "alert-resolved"
	EventRecovered     = "recovered"
	EventExpectation   = "expectation" // Detail starts with "met" or "not met"; the report relies on it
	EventNote          = "note"
	// EventOnset: the scenario made an alert's condition true (Late: how much later it may
	// truly have begun). A fact that crosses step families: its setters and readers meet
	// on the timeline.
	EventOnset = "condition-onset"
	// EventCleared: the scenario made the alert's condition false again.
	EventCleared = "condition-cleared"
	// EventBrokerBack: a broker outage was undone and the broker answers again.
	EventBrokerBack = "broker-back"
)

// Scenario statuses, as godog's cucumber JSON spells them.
const (
	StatusPassed    = "passed"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
	StatusUndefined = "undefined"
	StatusPending   = "pending"
	StatusAmbiguous = "ambiguous"
)

// Item is one piece of evidence: a JSON value (Data) or text (Text) captured at At.
type Item struct {
	At    time.Time       `json:"at"`
	Phase Phase           `json:"phase"`
	Kind  string          `json:"kind"`
	Name  string          `json:"name"`
	Data  json.RawMessage `json:"data,omitempty"`
	Text  string          `json:"text,omitempty"`
}

// Event is one point on a scenario's timeline. Span pairs a fault-start with its
// fault-end; it is empty for other kinds.
type Event struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Name   string    `json:"name"`
	Detail string    `json:"detail,omitempty"`
	Span   string    `json:"span,omitempty"`
	// Late is how much later than At the event may truly have happened, where the harness
	// cannot see it happen (a delay the pipeline must first carry through); 0 when At is
	// exact.
	Late time.Duration `json:"late_ns,omitempty"`
}

// Expectation is a timing expectation: Name should be observed within Within of Started.
// ObservedAt is zero when it was never observed; Observed says what was seen (the value
// when met, the last state when not).
type Expectation struct {
	Name       string        `json:"name"`
	Within     time.Duration `json:"-"`
	Met        bool          `json:"met"`
	ObservedAt time.Time     `json:"observed_at,omitzero"`
	Observed   string        `json:"observed,omitempty"`
	Started    time.Time     `json:"started"`
}

// Deadline is Started plus Within: the latest time the expectation could be met.
func (e Expectation) Deadline() time.Time { return e.Started.Add(e.Within) }

// Took is how long after Started the expectation was observed; zero when never observed.
func (e Expectation) Took() time.Duration {
	if e.ObservedAt.IsZero() {
		return 0
	}
	return e.ObservedAt.Sub(e.Started)
}

type expectationJSON struct {
	Within string `json:"within"`
	*expectationAlias
}

type expectationAlias Expectation

// MarshalJSON writes Within as a Go duration string ("1m30s") next to the other fields.
func (e Expectation) MarshalJSON() ([]byte, error) {
	a := expectationAlias(e)
	return json.Marshal(expectationJSON{Within: e.Within.String(), expectationAlias: &a})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Expectation) UnmarshalJSON(b []byte) error {
	v := expectationJSON{expectationAlias: (*expectationAlias)(e)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Within == "" {
		e.Within = 0
		return nil
	}
	d, err := time.ParseDuration(v.Within)
	if err != nil {
		return fmt.Errorf("expectation %q: within: %w", e.Name, err)
	}
	e.Within = d
	return nil
}

// Meta identifies a scenario when it starts; see Run.Start.
type Meta struct {
	ID      string   // godog's pickle id, or any id unique in the run
	Name    string   // the scenario's name
	Feature string   // the feature's name
	URI     string   // the feature file, relative to the repository
	Line    int      // the scenario's line in URI; 0 when unknown
	Tags    []string // tags including the feature's, with their "@"
}

// Scenario is everything recorded about one scenario. Its fields are written by its
// Recorder under a lock; read a Run.Snapshot, not a live Scenario.
type Scenario struct {
	mu sync.Mutex

	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Feature      string            `json:"feature"`
	URI          string            `json:"uri"`
	Line         int               `json:"line,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	Status       string            `json:"status"`
	SkipReason   string            `json:"skip_reason,omitempty"`
	Missing      []string          `json:"missing,omitempty"`
	Error        string            `json:"error,omitempty"`
	Started      time.Time         `json:"started"`
	Ended        time.Time         `json:"ended,omitzero"`
	Evidence     []Item            `json:"evidence,omitempty"`
	Timeline     []Event           `json:"timeline,omitempty"`
	Expectations []Expectation     `json:"expectations,omitempty"`
	Logs         map[string]string `json:"logs,omitempty"`
}

// Duration is Ended minus Started; zero when the scenario has not ended.
func (s *Scenario) Duration() time.Duration {
	if s.Ended.IsZero() || s.Started.IsZero() {
		return 0
	}
	return s.Ended.Sub(s.Started)
}

// FailsGate reports whether the scenario's status fails the release gate: failed,
// undefined, pending, ambiguous, or no status at all.
func (s *Scenario) FailsGate() bool {
	switch s.Status {
	case StatusPassed, StatusSkipped:
		return false
	}
	return true
}

// declared reports whether the scenario was skipped only for capabilities the release
// profile accepts (accepted maps them to their why); the caller holds s.mu.
func (s *Scenario) declared(accepted map[string]string) bool {
	if s.Status != StatusSkipped || len(s.Missing) == 0 {
		return false
	}
	for _, m := range s.Missing {
		if _, ok := accepted[m]; !ok {
			return false
		}
	}
	return true
}

// Unmet returns the expectations that were not met, in recording order.
func (s *Scenario) Unmet() []Expectation {
	var out []Expectation
	for _, e := range s.Expectations {
		if !e.Met {
			out = append(out, e)
		}
	}
	return out
}

// copy returns a deep copy; the caller holds s.mu or owns s.
func (s *Scenario) copy() *Scenario {
	c := &Scenario{
		ID: s.ID, Name: s.Name, Feature: s.Feature, URI: s.URI, Line: s.Line,
		Tags:   append([]string(nil), s.Tags...),
		Status: s.Status, SkipReason: s.SkipReason, Missing: append([]string(nil), s.Missing...), Error: s.Error,
		Started: s.Started, Ended: s.Ended,
		Timeline:     append([]Event(nil), s.Timeline...),
		Expectations: append([]Expectation(nil), s.Expectations...),
	}
	if s.Evidence != nil {
		c.Evidence = make([]Item, len(s.Evidence))
		for i, it := range s.Evidence {
			it.Data = append(json.RawMessage(nil), it.Data...)
			c.Evidence[i] = it
		}
	}
	if s.Logs != nil {
		c.Logs = make(map[string]string, len(s.Logs))
		for k, v := range s.Logs {
			c.Logs[k] = v
		}
	}
	return c
}
