package bench

import (
	"sync"
	"time"
)

// Timeline records when events happened (acknowledgements, consumed records); safe for
// concurrent use.
type Timeline struct {
	mu sync.Mutex
	at []time.Time
}

// Add records an event at t.
func (tl *Timeline) Add(t time.Time) {
	tl.mu.Lock()
	tl.at = append(tl.at, t)
	tl.mu.Unlock()
}

// FirstAfter returns the earliest event strictly after t, whatever order events were
// added in.
func (tl *Timeline) FirstAfter(t time.Time) (time.Time, bool) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var first time.Time
	found := false
	for _, x := range tl.at {
		if x.After(t) && (!found || x.Before(first)) {
			first, found = x, true
		}
	}
	return first, found
}

// Len is the number of events recorded.
func (tl *Timeline) Len() int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return len(tl.at)
}
