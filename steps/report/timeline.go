package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

// Timeline geometry, in SVG user units; the SVG scales to the page width.
const (
	tlWidth   = 1000.0
	tlGutter  = 92.0 // lane labels
	tlPad     = 16.0
	tlRow     = 22.0
	tlLaneGap = 10.0
	tlAxis    = 22.0
	tlMarker  = 9.0 // marker radius plus a little air
	tlChar    = 6.2 // average glyph width at the label size
)

// svgTimeline is what the template draws; every coordinate is preformatted.
type svgTimeline struct {
	Height string
	Lanes  []svgLane
	Ticks  []svgTick
	Shapes []svgShape
	AxisY  string
	LabelY string
	Empty  bool
}

type svgLane struct{ Label, Y, BandY, BandH string }

type svgTick struct{ X, Label string }

// svgShape is one drawn element. Kind selects the template branch and CSS class:
// "fault", "alertbar", "window", "deadline", "marker", "tick".
type svgShape struct {
	Kind, Class                   string
	X, Y, W, H, X2, TextX, Y1, Y2 string
	Label, Title                  string
	N                             int
}

// layout places items of one lane into rows so nothing overlaps.
type layout struct{ rowEnds []float64 }

func (l *layout) place(x1, x2 float64) int {
	for i, end := range l.rowEnds {
		if x1 > end {
			l.rowEnds[i] = x2
			return i
		}
	}
	l.rowEnds = append(l.rowEnds, x2)
	return len(l.rowEnds) - 1
}

func (l *layout) rows() int { return max(1, len(l.rowEnds)) }

// buildTimeline lays out a scenario's events. numbers maps each event (by index in
// sc.Timeline) to its row number in the event table.
func buildTimeline(sc *evidence.Scenario, t0, t1 time.Time, numbers map[int]int) svgTimeline {
	if len(sc.Timeline) == 0 && len(sc.Evidence) == 0 && len(sc.Expectations) == 0 {
		return svgTimeline{Empty: true}
	}
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Second
	}
	plot := tlWidth - tlGutter - tlPad
	x := func(t time.Time) float64 {
		f := float64(t.Sub(t0)) / float64(span)
		return tlGutter + min(max(f, 0), 1)*plot
	}

	type placed struct {
		shape svgShape
		row   int
		lane  string
	}
	lanes := map[string]*layout{}
	var items []placed
	add := func(lane string, s svgShape, x1, x2 float64) int {
		l := lanes[lane]
		if l == nil {
			l = &layout{}
			lanes[lane] = l
		}
		row := l.place(x1, x2)
		items = append(items, placed{s, row, lane})
		return row
	}
	// rowOf keeps a marker on the row of the bar or window it belongs to.
	rowOf := map[[2]string]int{}

	// Faults: spans from start to end.
	ends := map[string]time.Time{}
	for _, ev := range sc.Timeline {
		if ev.Kind == evidence.EventFaultEnd {
			ends[ev.Span] = ev.At
		}
	}
	for _, ev := range sc.Timeline {
		if ev.Kind != evidence.EventFaultStart {
			continue
		}
		end, ok := ends[ev.Span]
		if !ok {
			end = t1
		}
		x1, x2 := x(ev.At), max(x(end), x(ev.At)+3)
		label := shorten(ev.Name, 48)
		textX, right := x1+5, x2
		if float64(len([]rune(label)))*tlChar+10 > x2-x1 { // label after the span
			textX = x2 + 5
			right = textX + float64(len([]rune(label)))*tlChar
		}
		add("Faults", svgShape{Kind: "fault", Class: "fault", X: f1(x1), W: f1(x2 - x1), TextX: f1(textX), Label: label,
			Title: fmt.Sprintf("%s: %s → %s (%s) %s", ev.Name, clock(ev.At), clock(end), dur(end.Sub(ev.At)), ev.Detail)}, x1, right+6)
	}

	// Alerts: a faint bar from firing to resolved per alert name, markers on top.
	firing := map[string]time.Time{}
	for _, ev := range sc.Timeline {
		switch ev.Kind {
		case evidence.EventAlertFiring:
			firing[ev.Name] = ev.At
		case evidence.EventAlertResolved:
			if at, ok := firing[ev.Name]; ok {
				rowOf[[2]string{"Alerts", ev.Name}] = add("Alerts", svgShape{Kind: "alertbar", Class: "alertbar", X: f1(x(at)), W: f1(max(x(ev.At)-x(at), 1)),
					Title: fmt.Sprintf("%s firing %s → resolved %s (%s)", ev.Name, clock(at), clock(ev.At), dur(ev.At.Sub(at)))},
					x(at)-tlMarker, x(ev.At)+tlMarker)
				delete(firing, ev.Name)
			}
		}
	}
	for name, at := range firing { // still firing at the end
		rowOf[[2]string{"Alerts", name}] = add("Alerts", svgShape{Kind: "alertbar", Class: "alertbar open", X: f1(x(at)), W: f1(max(x(t1)-x(at), 1)),
			Title: fmt.Sprintf("%s firing since %s, not resolved", name, clock(at))}, x(at)-tlMarker, x(t1)+tlMarker)
	}

	// Expectation windows: Started to the deadline.
	for _, e := range sc.Expectations {
		x1, x2 := x(e.Started), x(e.Deadline())
		class := "window"
		if e.Deadline().After(t1) {
			class = "window open" // the deadline lies beyond the plot: no end tick
		}
		rowOf[[2]string{"Checks", e.Name}] = add("Checks", svgShape{Kind: "window", Class: class, X: f1(x1), X2: f1(x2),
			Title: fmt.Sprintf("%s: expected within %s of %s", e.Name, e.Within, clock(e.Started))}, x1, x2+tlMarker)
	}

	// Point events: numbered markers.
	idx := make([]int, 0, len(sc.Timeline))
	for i, ev := range sc.Timeline {
		if ev.Kind != evidence.EventFaultStart && ev.Kind != evidence.EventFaultEnd {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return sc.Timeline[idx[a]].At.Before(sc.Timeline[idx[b]].At) })
	var markers []placed
	for _, i := range idx {
		ev := sc.Timeline[i]
		lane, class := "Notes", "note"
		switch ev.Kind {
		case evidence.EventAlertFiring:
			lane, class = "Alerts", "firing"
		case evidence.EventAlertResolved:
			lane, class = "Alerts", "resolved"
		case evidence.EventRecovered:
			lane, class = "Checks", "recovered"
		case evidence.EventExpectation:
			lane, class = "Checks", "missed"
			if strings.HasPrefix(ev.Detail, "met") {
				class = "met"
			}
		}
		cx := x(ev.At)
		shape := svgShape{Kind: "marker", Class: class, X: f1(cx), N: numbers[i],
			Title: fmt.Sprintf("#%d %s %s at %s (%s): %s", numbers[i], ev.Kind, ev.Name, clock(ev.At), offset(ev.At, t0), ev.Detail)}
		if row, ok := rowOf[[2]string{lane, ev.Name}]; ok {
			markers = append(markers, placed{shape, row, lane}) // drawn on its bar or window
			continue
		}
		add(lane, shape, cx-tlMarker, cx+tlMarker)
	}

	items = append(items, markers...) // after the bars and windows: drawn on top

	// Evidence captures: thin ticks, never stacked.
	for _, it := range sc.Evidence {
		cx := x(it.At)
		items = append(items, placed{svgShape{Kind: "tick", Class: "ev-" + string(it.Phase), X: f1(cx - 1),
			Title: fmt.Sprintf("%s %s %s at %s (%s)", it.Phase, it.Kind, it.Name, clock(it.At), offset(it.At, t0))}, 0, "Evidence"})
		if lanes["Evidence"] == nil {
			lanes["Evidence"] = &layout{}
		}
	}

	// Stack lanes top to bottom.
	tl := svgTimeline{}
	laneTop := map[string]float64{}
	y := 8.0
	for _, name := range []string{"Faults", "Alerts", "Checks", "Evidence", "Notes"} {
		l := lanes[name]
		if l == nil {
			continue
		}
		h := float64(l.rows()) * tlRow
		laneTop[name] = y
		tl.Lanes = append(tl.Lanes, svgLane{Label: name, Y: f1(y + h/2), BandY: f1(y), BandH: f1(h)})
		y += h + tlLaneGap
	}
	for _, it := range items {
		top := laneTop[it.lane] + float64(it.row)*tlRow
		s := it.shape
		switch s.Kind {
		case "fault":
			s.Y, s.H, s.Y1 = f1(top+3), f1(tlRow-6), f1(top+tlRow/2)
		case "alertbar":
			s.Y, s.H = f1(top+tlRow/2-4), "8"
		case "tick":
			s.Y, s.H = f1(top+3), f1(tlRow-6)
		default: // marker, window: centred on the row
			s.Y, s.Y1, s.Y2 = f1(top+tlRow/2), f1(top+tlRow/2-5), f1(top+tlRow/2+5)
		}
		tl.Shapes = append(tl.Shapes, s)
	}
	tl.AxisY, tl.LabelY = f1(y), f1(y+15)
	tl.Height = f1(y + tlAxis)
	for _, tk := range ticks(span) {
		tl.Ticks = append(tl.Ticks, svgTick{X: f1(x(t0.Add(tk))), Label: "+" + shortDur(tk)})
	}
	return tl
}

// ticks picks a round step giving 4 to 10 ticks over span.
func ticks(span time.Duration) []time.Duration {
	steps := []time.Duration{
		100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
	}
	step := (span/8/time.Hour + 1) * time.Hour // beyond the table: whole hours
	for _, s := range steps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	var out []time.Duration
	for t := time.Duration(0); t <= span; t += step {
		out = append(out, t)
	}
	return out
}

// shortDur renders a tick label: "0s", "500ms", "30s", "1m30s", "2m".
func shortDur(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }
