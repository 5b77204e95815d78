package evidence_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
)

func TestTimestampsAreUTCMilliseconds(t *testing.T) {
	run, _ := newRun(t)
	rec := run.Start(evidence.Meta{ID: "s1", Name: "one"})
	rec.Text(evidence.Before, evidence.KindNote, "n", "x")
	rec.MarkAt(t0.Add(5*time.Microsecond), evidence.EventNote, "n", "")
	sc := rec.Snapshot()

	want := time.Date(2026, 5, 14, 12, 0, 0, 123_000_000, time.UTC)
	for _, ts := range []time.Time{run.Started, sc.Started, sc.Evidence[0].At, sc.Timeline[0].At} {
		require.Equal(t, want, ts)
		require.Equal(t, time.UTC, ts.Location())
	}
	require.True(t, strings.HasPrefix(run.ID, "test-run"))
}

func TestEvidenceEncoding(t *testing.T) {
	type lag struct {
		Partition int    `json:"partition"`
		Lag       int64  `json:"lag"`
		Note      string `json:"note"`
	}
	tests := []struct {
		name     string
		data     any
		wantData string
		wantText string
	}{
		{"struct", lag{1, 40, "<b>&"}, `{"partition":1,"lag":40,"note":"<b>&"}`, ""},
		{"number", 12.5, `12.5`, ""},
		{"raw json is compacted", json.RawMessage("{ \"a\" : [1, 2] }"), `{"a":[1,2]}`, ""},
		{"bytes holding json", []byte(`[ "x" ]`), `["x"]`, ""},
		{"bytes holding text", []byte("lag=40 partition=1"), "", "lag=40 partition=1"},
		{"binary bytes", []byte{0xff, 0x00, 0x01}, "", `3 bytes of binary data: "\xff\x00\x01"`},
		{"unencodable", make(chan int), "", "evidence: cannot encode chan int as JSON: json: unsupported type: chan int"},
		{"nil", nil, `null`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _ := newRun(t)
			rec := run.Start(evidence.Meta{ID: "s"})
			rec.Evidence(evidence.After, evidence.KindMetric, "m", tt.data)
			it := rec.Snapshot().Evidence[0]
			require.Equal(t, tt.wantData, string(it.Data))
			require.Equal(t, tt.wantText, it.Text)
			require.Equal(t, evidence.After, it.Phase)
			require.Equal(t, evidence.KindMetric, it.Kind)
		})
	}
}

func TestJSONHelper(t *testing.T) {
	raw, err := evidence.JSON(map[string]int{"b": 2, "a": 1})
	require.NoError(t, err)
	require.JSONEq(t, `{"a":1,"b":2}`, string(raw))

	_, err = evidence.JSON([]byte("not json"))
	require.ErrorContains(t, err, "not valid JSON")
}

func TestFaultSpans(t *testing.T) {
	run, clk := newRun(t)
	rec := run.Start(evidence.Meta{ID: "s"})
	a := rec.FaultStart("broker-1 paused", "SIGSTOP")
	clk.Advance(time.Second)
	b := rec.FaultStart("network delay", "200ms")
	require.NotEqual(t, a, b)

	clk.Advance(time.Second)
	require.True(t, rec.FaultEnd(a, "SIGCONT"))
	require.False(t, rec.FaultEnd(a, "again"), "second FaultEnd is a no-op")
	require.False(t, rec.FaultEnd("nope", ""), "unknown span is a no-op")

	clk.Advance(time.Second)
	rec.End(evidence.StatusPassed, nil)

	sc := rec.Snapshot()
	require.Len(t, sc.Timeline, 4)
	ends := map[string]evidence.Event{}
	for _, ev := range sc.Timeline {
		if ev.Kind == evidence.EventFaultEnd {
			ends[ev.Span] = ev
		}
	}
	require.Equal(t, "SIGCONT", ends[a].Detail)
	require.Equal(t, "broker-1 paused", ends[a].Name)
	require.Equal(t, "network delay", ends[b].Name, "End closes the span left open")
	require.Contains(t, ends[b].Detail, "not undone")
	require.Equal(t, sc.Ended, ends[b].At)
}

func TestExpectations(t *testing.T) {
	run, clk := newRun(t)
	rec := run.Start(evidence.Meta{ID: "s"})
	start := clk.Now()

	fires := rec.Expect("alert fires", 90*time.Second)
	late := rec.Expect("lag recovers", 10*time.Second)
	missed := rec.Expect("webhook arrives", 5*time.Second)
	since := rec.ExpectSince(start.Add(-time.Minute), "fault noticed", 30*time.Second)
	rec.Expect("never resolved", time.Second)

	clk.Advance(12 * time.Second)
	require.True(t, fires.Observed(time.Time{}, "firing"))
	require.True(t, fires.Observed(time.Time{}, "second resolution ignored"), "reports the first result")
	require.False(t, late.Observed(time.Time{}, "lag 0"))
	missed.Missed("no request received")
	require.False(t, since.Observed(start, "noticed"))
	rec.End(evidence.StatusFailed, errors.New("step 4 failed"))

	sc := rec.Snapshot()
	byName := map[string]evidence.Expectation{}
	for _, e := range sc.Expectations {
		byName[e.Name] = e
	}
	require.True(t, byName["alert fires"].Met)
	require.Equal(t, "firing", byName["alert fires"].Observed, "first resolution wins")
	require.Equal(t, 12*time.Second, byName["alert fires"].Took())

	require.False(t, byName["lag recovers"].Met)
	require.Equal(t, evidence.Stamp(start.Add(12*time.Second)), byName["lag recovers"].ObservedAt)

	require.False(t, byName["webhook arrives"].Met)
	require.True(t, byName["webhook arrives"].ObservedAt.IsZero())
	require.Equal(t, "no request received", byName["webhook arrives"].Observed)

	require.False(t, byName["fault noticed"].Met, "observed 60s after a start with a 30s limit")
	require.Equal(t, time.Minute, byName["fault noticed"].Took())

	require.False(t, byName["never resolved"].Met)
	require.Contains(t, byName["never resolved"].Observed, "still waiting")

	require.Len(t, sc.Unmet(), 4)
	var results int
	for _, ev := range sc.Timeline {
		if ev.Kind == evidence.EventExpectation {
			results++
		}
	}
	require.Equal(t, 5, results, "every resolution is on the timeline")
	require.Equal(t, "step 4 failed", sc.Error)
}

func TestSkipAndEnd(t *testing.T) {
	tests := []struct {
		name       string
		skip       string
		status     string
		err        error
		wantStatus string
		wantReason string
		wantError  string
	}{
		{"skip keeps reason", "needs docker", "", nil, "skipped", "needs docker", ""},
		{"skip then skipped error", "needs docker", "skipped", errors.New("skip"), "skipped", "needs docker", ""},
		{"skipped error becomes reason", "", "skipped", errors.New("no chaos on embedded"), "skipped", "no chaos on embedded", ""},
		{"failed", "", "failed", errors.New("boom"), "failed", "", "boom"},
		{"passed", "", "passed", nil, "passed", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _ := newRun(t)
			rec := run.Start(evidence.Meta{ID: "s"})
			if tt.skip != "" {
				rec.Skip(tt.skip)
			}
			rec.End(tt.status, tt.err)
			sc := rec.Snapshot()
			require.Equal(t, tt.wantStatus, sc.Status)
			require.Equal(t, tt.wantReason, sc.SkipReason)
			require.Equal(t, tt.wantError, sc.Error)
			require.False(t, sc.Ended.IsZero())
		})
	}
}

func TestLogTail(t *testing.T) {
	run, _ := newRun(t, evidence.LogLimit(20))
	rec := run.Start(evidence.Meta{ID: "s"})
	rec.Log("kafka", "line one is long\nline two\nline three\n") // the last 20 bytes start at a line
	require.Equal(t, "[... 17 bytes cut ...]\nline two\nline three\n", rec.Snapshot().Logs["kafka"])
	rec.Log("kafka", "line one is long\nline 2\nline three\n") // the last 20 bytes start mid-line
	got := rec.Snapshot().Logs["kafka"]
	require.Equal(t, "[... 17 bytes cut ...]\nline 2\nline three\n", got)
	require.NotContains(t, got, "line one")
	require.Contains(t, got, "bytes cut")

	rec.Log("exporter", "short")
	require.Equal(t, "short", rec.Snapshot().Logs["exporter"])
}

func TestNilRecorderAndContext(t *testing.T) {
	var rec *evidence.Recorder
	require.NotPanics(t, func() {
		rec.Evidence(evidence.Before, evidence.KindMetric, "m", 1)
		rec.Text(evidence.Before, evidence.KindNote, "n", "t")
		rec.Mark(evidence.EventNote, "n", "")
		require.Equal(t, "", rec.FaultStart("f", ""))
		require.False(t, rec.FaultEnd("f1", ""))
		e := rec.Expect("x", time.Second)
		require.False(t, e.Observed(time.Time{}, "x"))
		e.Missed("x")
		rec.Log("s", "l")
		rec.Skip("r")
		rec.End(evidence.StatusPassed, nil)
		require.Nil(t, rec.Snapshot())
	})
	require.Nil(t, evidence.FromContext(context.Background()))

	run, _ := newRun(t)
	live := run.Start(evidence.Meta{ID: "s"})
	ctx := evidence.NewContext(context.Background(), live)
	evidence.FromContext(ctx).Mark(evidence.EventRecovered, "consumer", "lag 0")
	require.Len(t, live.Snapshot().Timeline, 1)
}
