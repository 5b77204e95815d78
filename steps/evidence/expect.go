package evidence

import (
	"fmt"
	"time"
)

// Expecting is an open timing expectation; resolve it with Observed or Missed. The first
// resolution wins, later ones are ignored. A nil *Expecting does nothing.
type Expecting struct {
	r   *Recorder
	idx int
}

// Expect opens an expectation that name is observed within `within` from now.
func (r *Recorder) Expect(name string, within time.Duration) *Expecting {
	if r == nil {
		return nil
	}
	return r.ExpectSince(r.now(), name, within)
}

// ExpectSince opens an expectation measured from start, such as the start of a fault:
// "the alert fires within 90s of the broker going down".
func (r *Recorder) ExpectSince(start time.Time, name string, within time.Duration) *Expecting {
	if r == nil {
		return nil
	}
	e := &Expecting{r: r}
	r.locked(func(s *Scenario) {
		e.idx = len(s.Expectations)
		s.Expectations = append(s.Expectations, Expectation{Name: name, Within: within, Started: Stamp(start)})
	})
	return e
}

// Observed resolves the expectation as seen at `at` (zero means now) with what was
// observed, and reports whether it was met: at is no later than Started plus Within.
func (e *Expecting) Observed(at time.Time, observed string) bool {
	if e == nil {
		return false
	}
	now := e.r.now()
	if at.IsZero() {
		at = now
	}
	met := false
	e.r.locked(func(s *Scenario) {
		if open(s.Expectations[e.idx]) {
			resolve(s, e.idx, Stamp(at), now, observed)
		}
		met = s.Expectations[e.idx].Met
	})
	return met
}

// Missed resolves the expectation as not observed by its deadline; observed says what
// was seen instead (the last state polled).
func (e *Expecting) Missed(observed string) {
	if e == nil {
		return
	}
	now := e.r.now()
	e.r.locked(func(s *Scenario) {
		if open(s.Expectations[e.idx]) {
			resolve(s, e.idx, time.Time{}, now, observed)
		}
	})
}

func open(e Expectation) bool { return e.ObservedAt.IsZero() && e.Observed == "" }

// resolve closes expectation i as observed at `at` (zero: never observed) and puts the
// result on the timeline at `at`, or at `now` when never observed.
func resolve(s *Scenario, i int, at, now time.Time, observed string) {
	e := &s.Expectations[i]
	e.ObservedAt = at
	e.Met = !at.IsZero() && !at.After(e.Deadline())
	if observed == "" {
		observed = "nothing observed"
	}
	e.Observed = observed
	var detail string
	switch {
	case e.Met:
		detail = fmt.Sprintf("met after %s (within %s): %s", e.Took().Round(time.Millisecond), e.Within, observed)
	case !at.IsZero():
		detail = fmt.Sprintf("not met: observed after %s, limit %s: %s", e.Took().Round(time.Millisecond), e.Within, observed)
	default:
		at = now
		detail = fmt.Sprintf("not met: not observed within %s: %s", e.Within, observed)
	}
	s.Timeline = append(s.Timeline, Event{At: at, Kind: EventExpectation, Name: e.Name, Detail: detail})
}
