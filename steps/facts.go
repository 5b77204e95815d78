package steps

import (
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

// Facts that cross step families go on the scenario's timeline, where the report shows
// them, and are read back from it: the family that causes an alert's condition (traffic,
// sequences, alerting instances) marks its onset and its clearing, the alerting family
// reads them; the outage family marks a broker's return, the WebSocket and delivery
// families read it.

// markOnset records that the scenario made an alert's condition true at at; late is how
// much later it may truly have begun (0: at is exact).
func (w *World) markOnset(at time.Time, late time.Duration, what string) {
	w.rec.MarkLate(at, late, evidence.EventOnset, "alert condition true", what)
}

// onset returns when the scenario last made an alert's condition true, and how much later
// it may truly have begun; ok is false when no step did.
func (w *World) onset() (at time.Time, late time.Duration, ok bool) {
	ev, ok := w.rec.Last(evidence.EventOnset)
	return ev.At, ev.Late, ok
}

// markCleared records that the scenario made the alert's condition false again at at.
func (w *World) markCleared(at time.Time, what string) {
	w.rec.MarkAt(at, evidence.EventCleared, "alert condition false", what)
}

// cleared returns when the scenario last made the condition false (zero: never).
func (w *World) cleared() time.Time {
	ev, _ := w.rec.Last(evidence.EventCleared)
	return ev.At
}

// markBrokerBack records that a broker outage was undone at at.
func (w *World) markBrokerBack(at time.Time, what string) {
	w.rec.MarkAt(at, evidence.EventBrokerBack, "broker back", what)
}

// brokerBack returns when the last broker outage was undone (zero: none was).
func (w *World) brokerBack() time.Time {
	ev, _ := w.rec.Last(evidence.EventBrokerBack)
	return ev.At
}
