package chaos

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Span is one fault on a Journal: its name and detail as Inject wrote them, when it began,
// and when and how it ended (End is zero while the fault lasts).
type Span struct {
	Name, Detail string
	Start        time.Time
	End          time.Time
	EndDetail    string
}

// Journal is the Timeline of tools that have no scenario recorder (bench, soak): it keeps
// every span and, when W is set, writes a line at each start and end ("fault injected:" /
// "fault undone:", as the acceptance suite prints them; W adds any timestamp). The zero value is ready; it is
// safe for concurrent use.
type Journal struct {
	// W receives a line per start and end; nil writes nothing.
	W io.Writer

	mu    sync.Mutex
	spans []Span
}

var _ Timeline = (*Journal)(nil)

// FaultStart implements Timeline.
func (j *Journal) FaultStart(name, detail string) string {
	now := time.Now()
	j.mu.Lock()
	j.spans = append(j.spans, Span{Name: name, Detail: detail, Start: now})
	id := strconv.Itoa(len(j.spans) - 1)
	j.mu.Unlock()
	if j.W != nil {
		fmt.Fprintf(j.W, "fault injected: %s: %s\n", name, detail)
	}
	return id
}

// FaultEnd implements Timeline.
func (j *Journal) FaultEnd(span, detail string) bool {
	i, err := strconv.Atoi(span)
	now := time.Now()
	j.mu.Lock()
	if err != nil || i < 0 || i >= len(j.spans) || !j.spans[i].End.IsZero() {
		j.mu.Unlock()
		return false
	}
	j.spans[i].End, j.spans[i].EndDetail = now, detail
	name := j.spans[i].Name
	j.mu.Unlock()
	if j.W != nil {
		fmt.Fprintf(j.W, "fault undone: %s: %s\n", name, detail)
	}
	return true
}

// Spans returns a copy of every span, in the order the faults began.
func (j *Journal) Spans() []Span {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Span(nil), j.spans...)
}
