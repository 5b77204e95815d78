package evidence_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
)

func TestGate(t *testing.T) {
	tests := []struct {
		name     string
		statuses []string
		pass     bool
		reasons  []string
		counts   string
	}{
		{"empty run proves nothing", nil, false, []string{"no scenarios ran"}, "0 scenarios"},
		{"all passed", []string{"passed", "passed"}, true, nil, "2 scenarios: 2 passed"},
		{"an undeclared skip is incomplete", []string{"passed", "skipped"}, false, []string{"1 skipped without a declared reason"}, "2 scenarios: 1 passed, 1 skipped"},
		{"all skipped", []string{"skipped"}, false, []string{"1 skipped without a declared reason"}, "1 scenario: 1 skipped"},
		{"failed", []string{"passed", "failed"}, false, []string{"1 failed"}, "2 scenarios: 1 passed, 1 failed"},
		{"undefined", []string{"undefined"}, false, []string{"1 undefined"}, "1 scenario: 1 undefined"},
		{"pending", []string{"pending", "pending"}, false, []string{"2 pending"}, "2 scenarios: 2 pending"},
		{"ambiguous", []string{"ambiguous"}, false, []string{"1 ambiguous"}, "1 scenario: 1 ambiguous"},
		{"no status", []string{""}, false, []string{"1 without a status"}, "1 scenario: 1 without a status"},
		{"several causes", []string{"failed", "undefined", "skipped"}, false, []string{"1 failed", "1 undefined", "1 skipped without a declared reason"}, "3 scenarios: 1 failed, 1 skipped, 1 undefined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _ := newRun(t)
			for i, st := range tt.statuses {
				run.Start(evidence.Meta{ID: fmt.Sprint(i)}).End(st, nil)
			}
			require.Equal(t, tt.pass, run.Passed())
			require.Equal(t, tt.reasons, run.GateReasons())
			require.Equal(t, tt.counts, run.Counts().String())
			want := evidence.VerdictFail
			switch {
			case tt.pass:
				want = evidence.VerdictPass
			case !slices.ContainsFunc(tt.statuses, func(s string) bool { return s != "passed" && s != "skipped" }) && len(tt.statuses) > 0:
				want = evidence.VerdictIncomplete
			}
			require.Equal(t, want, run.Verdict())
		})
	}
}

// TestDeclaredSkips: a skip for capabilities the release profile accepts keeps the gate at
// PASS; any other skip, or one missing a capability the profile does not list, makes it
// INCOMPLETE with its own exit code; a run in which nothing ran is never PASS.
func TestDeclaredSkips(t *testing.T) {
	profile := evidence.ReleaseProfile{Name: "p.yml", Accepts: []evidence.Accepted{{Capability: "multi-broker", Why: "one broker here"}}}
	tests := []struct {
		name    string
		skips   func(*evidence.Run)
		verdict string
		code    int
	}{
		{"declared", func(r *evidence.Run) {
			r.Start(evidence.Meta{ID: "s"}).SkipMissing("no 3 brokers", "multi-broker")
		}, evidence.VerdictPass, evidence.ExitPass},
		{"not in the profile", func(r *evidence.Run) {
			r.Start(evidence.Meta{ID: "s"}).SkipMissing("no monitoring", "monitoring")
		}, evidence.VerdictIncomplete, evidence.ExitIncomplete},
		{"one of two capabilities declared", func(r *evidence.Run) {
			r.Start(evidence.Meta{ID: "s"}).SkipMissing("no", "multi-broker", "monitoring")
		}, evidence.VerdictIncomplete, evidence.ExitIncomplete},
		{"a skip without a capability", func(r *evidence.Run) {
			r.Start(evidence.Meta{ID: "s"}).Skip("interrupted")
		}, evidence.VerdictIncomplete, evidence.ExitIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _ := newRun(t)
			run.SetProfile(profile)
			run.Start(evidence.Meta{ID: "p"}).End(evidence.StatusPassed, nil)
			tt.skips(run)
			require.Equal(t, tt.verdict, run.Verdict())
			require.Equal(t, tt.code, run.ExitCode())
			gaps := run.NotCovered()
			require.Len(t, gaps, 1)
			require.Equal(t, tt.verdict == evidence.VerdictPass, gaps[0].Declared)
		})
	}
	t.Run("only declared skips is not a pass", func(t *testing.T) {
		run, _ := newRun(t)
		run.SetProfile(profile)
		run.Start(evidence.Meta{ID: "s"}).SkipMissing("no 3 brokers", "multi-broker")
		require.Equal(t, evidence.VerdictIncomplete, run.Verdict())
		require.Equal(t, []string{"no scenario ran to a verdict"}, run.GateReasons())
	})
}

func TestConcurrentRecording(t *testing.T) {
	run := evidence.NewRun("embedded", 1)
	var wg sync.WaitGroup
	const scenarios, events = 8, 50
	for i := range scenarios {
		rec := run.Start(evidence.Meta{ID: fmt.Sprint(i), Name: fmt.Sprint("scenario ", i)})
		for range 4 {
			wg.Go(func() {
				for j := range events {
					rec.Evidence(evidence.During, evidence.KindMetric, "m", j)
					span := rec.FaultStart("f", "")
					rec.Mark(evidence.EventNote, "n", "")
					rec.FaultEnd(span, "")
					rec.Expect("e", time.Second).Observed(time.Time{}, "ok")
				}
			})
		}
		wg.Go(func() {
			for range events {
				_ = run.Snapshot()
				_ = run.Passed()
			}
		})
	}
	run.SetVersion("kafka", "4.1.0")
	wg.Wait()
	snap := run.Snapshot()
	require.Len(t, snap.Scenarios, scenarios)
	for _, sc := range snap.Scenarios {
		require.Len(t, sc.Evidence, 4*events)
		require.Len(t, sc.Timeline, 4*events*4, "start, note, end and expectation per iteration")
		spans := map[string]bool{}
		for _, ev := range sc.Timeline {
			if ev.Kind == evidence.EventFaultStart {
				require.False(t, spans[ev.Span], "span ids are unique")
				spans[ev.Span] = true
			}
		}
	}
}

func TestFinishClosesUnendedScenarios(t *testing.T) {
	run, clk := newRun(t)
	done := run.Start(evidence.Meta{ID: "done"})
	done.End(evidence.StatusPassed, nil)
	hung := run.Start(evidence.Meta{ID: "hung"})
	hung.FaultStart("broker paused", "")
	hung.Expect("recovers", time.Minute)
	clk.Advance(time.Minute)
	run.Finish()
	run.Finish()

	sc := hung.Snapshot()
	require.Equal(t, "", sc.Status)
	require.Contains(t, sc.Error, "never ended")
	require.Equal(t, run.Ended, sc.Ended)
	require.Len(t, sc.Unmet(), 1)
	require.False(t, run.Passed())
	require.Equal(t, []string{"1 without a status"}, run.GateReasons())
	require.Empty(t, done.Snapshot().Error, "an ended scenario is left alone")
}

func TestSnapshotIsSortedAndDeep(t *testing.T) {
	run, _ := newRun(t)
	run.Start(evidence.Meta{ID: "c", Name: "c", URI: "features/b.feature", Line: 3})
	b := run.Start(evidence.Meta{ID: "b", Name: "b", URI: "features/a.feature", Line: 20})
	run.Start(evidence.Meta{ID: "a", Name: "a", URI: "features/a.feature", Line: 7})
	b.Evidence(evidence.Before, evidence.KindMetric, "m", 1)

	snap := run.Snapshot()
	var ids []string
	for _, sc := range snap.Scenarios {
		ids = append(ids, sc.ID)
	}
	require.Equal(t, []string{"a", "b", "c"}, ids)

	snap.Scenarios[1].Evidence[0].Data[0] = '9'
	require.Equal(t, "1", string(b.Snapshot().Evidence[0].Data), "snapshot shares no memory")
}

func TestSnapshotKeepsTheImplementationUnderTest(t *testing.T) {
	run, _ := newRun(t)
	require.Equal(t, "-", run.SUTLine())
	run.SetSUT(evidence.SUT{Name: "dashflow", Version: "0.1.0 (abc123)", Profile: "fixtures/sut/dashflow.yml"})
	snap := run.Snapshot()
	require.Equal(t, "dashflow 0.1.0 (abc123) (profile fixtures/sut/dashflow.yml)", snap.SUTLine())
	snap.SUT.Name = "changed"
	require.Equal(t, "dashflow", run.SUT.Name, "snapshot shares no memory")
}

func TestRunJSONRoundTrip(t *testing.T) {
	run, clk := newRun(t, evidence.Tags("@chaos and not @slow"), evidence.Version("kafka", "4.1.0"))
	rec := run.Start(evidence.Meta{ID: "s", Name: "broker outage", Feature: "Chaos", URI: "features/chaos.feature", Line: 12, Tags: []string{"@chaos"}})
	rec.Evidence(evidence.Before, evidence.KindHealth, "exporter", map[string]string{"status": "ok"})
	span := rec.FaultStart("broker paused", "SIGSTOP")
	e := rec.Expect("alert fires", 90*time.Second)
	clk.Advance(30 * time.Second)
	e.Observed(time.Time{}, "firing")
	rec.FaultEnd(span, "SIGCONT")
	rec.Log("kafka", "started\n")
	rec.End(evidence.StatusPassed, nil)
	run.Finish()

	b, err := json.Marshal(run.Snapshot())
	require.NoError(t, err)
	require.Contains(t, string(b), `"within":"1m30s"`)
	require.Contains(t, string(b), `"started":"2026-05-14T12:00:00.123Z"`)

	var back evidence.Run
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, 90*time.Second, back.Scenarios[0].Expectations[0].Within)
	require.Equal(t, "4.1.0", back.Versions["kafka"])
	require.Equal(t, runtime.Version(), back.Versions["go"])
	require.Equal(t, "@chaos and not @slow", back.Tags)
	require.True(t, back.Passed())

	again, err := json.Marshal(&back)
	require.NoError(t, err)
	require.JSONEq(t, string(b), string(again))
}
