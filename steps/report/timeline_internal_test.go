package report

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
)

func TestTicks(t *testing.T) {
	tests := []struct {
		span  time.Duration
		step  time.Duration
		count int
	}{
		{300 * time.Millisecond, 100 * time.Millisecond, 4},
		{time.Second, 200 * time.Millisecond, 6},
		{95 * time.Second, 15 * time.Second, 7},
		{10 * time.Minute, 2 * time.Minute, 6},
		{3 * time.Hour, 30 * time.Minute, 7},
		{20 * time.Hour, 3 * time.Hour, 7},
	}
	for _, tt := range tests {
		t.Run(tt.span.String(), func(t *testing.T) {
			got := ticks(tt.span)
			require.Len(t, got, tt.count)
			require.Equal(t, time.Duration(0), got[0])
			require.Equal(t, tt.step, got[1]-got[0])
			require.LessOrEqual(t, got[len(got)-1], tt.span)
		})
	}
	require.Equal(t, "1m", shortDur(time.Minute))
	require.Equal(t, "1m30s", shortDur(90*time.Second))
	require.Equal(t, "500ms", shortDur(500*time.Millisecond))
}

func TestLayoutStacksOverlaps(t *testing.T) {
	var l layout
	require.Equal(t, 0, l.place(0, 100))
	require.Equal(t, 1, l.place(50, 150), "overlaps row 0")
	require.Equal(t, 0, l.place(101, 200), "row 0 is free again")
	require.Equal(t, 2, l.place(120, 130), "rows 0 and 1 are busy")
	require.Equal(t, 3, l.rows())
}

func TestTimelineGeometry(t *testing.T) {
	t0 := time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	sc := &evidence.Scenario{
		Started: t0, Ended: at(100),
		Timeline: []evidence.Event{
			{At: at(10), Kind: evidence.EventFaultStart, Name: "a", Span: "f1"},
			{At: at(20), Kind: evidence.EventFaultStart, Name: "b", Span: "f2"},
			{At: at(60), Kind: evidence.EventFaultEnd, Name: "a", Span: "f1"},
			{At: at(30), Kind: evidence.EventAlertFiring, Name: "X"},
			{At: at(80), Kind: evidence.EventAlertResolved, Name: "X"},
			{At: at(90), Kind: evidence.EventAlertFiring, Name: "Y"},
		},
		Evidence: []evidence.Item{{At: at(0), Phase: evidence.Before}, {At: at(100), Phase: evidence.After}},
	}
	tl := buildTimeline(sc, t0, at(100), map[int]int{3: 4, 4: 5, 5: 6})
	require.False(t, tl.Empty)

	x := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return v
	}
	var faults, bars, markers, ticks []svgShape
	for _, s := range tl.Shapes {
		switch s.Kind {
		case "fault":
			faults = append(faults, s)
		case "alertbar":
			bars = append(bars, s)
		case "marker":
			markers = append(markers, s)
		case "tick":
			ticks = append(ticks, s)
		}
	}
	require.Len(t, faults, 2)
	plot := tlWidth - tlGutter - tlPad
	require.InDelta(t, tlGutter+0.1*plot, x(faults[0].X), 0.1)
	require.InDelta(t, 0.5*plot, x(faults[0].W), 0.1)
	require.InDelta(t, 0.8*plot, x(faults[1].W), 0.1, "a span never ended runs to the end of the plot")
	require.NotEqual(t, faults[0].Y, faults[1].Y, "overlapping spans are stacked")

	require.Len(t, bars, 2)
	require.Equal(t, "alertbar open", bars[1].Class, "Y is still firing")
	require.Len(t, markers, 3)
	require.Equal(t, []int{4, 5, 6}, []int{markers[0].N, markers[1].N, markers[2].N})
	require.InDelta(t, x(bars[0].Y)+4, x(markers[0].Y), 0.01, "firing X sits on its bar")
	require.InDelta(t, x(bars[0].Y)+4, x(markers[1].Y), 0.01, "resolved X sits on its bar")
	require.InDelta(t, x(bars[1].Y)+4, x(markers[2].Y), 0.01, "firing Y sits on its own bar")
	require.Len(t, ticks, 2)
	require.Equal(t, []string{"Faults", "Alerts", "Evidence"}, []string{tl.Lanes[0].Label, tl.Lanes[1].Label, tl.Lanes[2].Label})

	require.True(t, buildTimeline(&evidence.Scenario{}, t0, t0, nil).Empty)
}

func TestDelta(t *testing.T) {
	item := func(p evidence.Phase, data string) evidence.Item {
		return evidence.Item{Phase: p, Kind: "metric", Name: "m", Data: json.RawMessage(data)}
	}
	tests := []struct {
		name  string
		items []evidence.Item
		want  string
	}{
		{"numbers", []evidence.Item{item(evidence.Before, "12"), item(evidence.After, "40")}, "12 → 40 (+28)"},
		{"decrease", []evidence.Item{item(evidence.Before, "1.5"), item(evidence.After, "0.25")}, "1.5 → 0.25 (-1.25)"},
		{"last before, first after", []evidence.Item{item(evidence.Before, "1"), item(evidence.Before, "2"),
			item(evidence.After, "5"), item(evidence.After, "9")}, "2 → 5 (+3)"},
		{"unchanged object", []evidence.Item{item(evidence.Before, `{"a":1}`), item(evidence.After, `{"a":1}`)}, "unchanged"},
		{"changed object", []evidence.Item{item(evidence.Before, `{"a":1}`), item(evidence.After, `{"a":2}`)}, "changed"},
		{"no after", []evidence.Item{item(evidence.Before, "1")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, delta(tt.items, "metric", "m"))
		})
	}
}
