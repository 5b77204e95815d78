package evidence_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
)

const reconcileFeature = `@chaos
Feature: Broker outage
  Scenario: passes
    Given a step that passes

  @slow
  Scenario: fails
    Given a step that passes
    When a step that fails
    Then a step that passes

  Scenario: skips
    Given a step that skips

  Scenario: skips silently
    Given a step that skips

  Scenario: is undefined
    Given a step nobody wrote

  Scenario: is pending
    Given a step that is pending

  Scenario: never recorded
    Given a step that passes
`

// godogCucumber runs reconcileFeature through godog and returns its cucumber JSON.
func godogCucumber(t *testing.T) []byte {
	t.Helper()
	var out bytes.Buffer
	suite := godog.TestSuite{
		Name: "reconcile",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Step(`^a step that passes$`, func() error { return nil })
			sc.Step(`^a step that fails$`, func() error { return errors.New("lag stayed at 4000") })
			sc.Step(`^a step that skips$`, func() error { return fmt.Errorf("%w: needs docker", godog.ErrSkip) })
			sc.Step(`^a step that is pending$`, func() error { return godog.ErrPending })
		},
		Options: &godog.Options{
			Format: "cucumber", Output: &out, Strict: false,
			FeatureContents: []godog.Feature{{Name: "features/outage.feature", Contents: []byte(reconcileFeature)}},
		},
	}
	suite.Run()
	require.NotEmpty(t, out.Bytes())
	return out.Bytes()
}

func TestReconcileWithGodogCucumberJSON(t *testing.T) {
	cuke := godogCucumber(t)
	run, _ := newRun(t)
	uri := "features/outage.feature"
	for _, name := range []string{"passes", "fails", "skips", "is undefined", "is pending"} {
		rec := run.Start(evidence.Meta{ID: name, Name: name, URI: uri})
		st := evidence.StatusPassed // what a careless After hook might say
		if name == "fails" {
			st = ""
		}
		if name == "skips" {
			rec.Skip("needs docker")
			st = evidence.StatusSkipped
		}
		rec.End(st, nil)
	}
	require.NoError(t, run.Reconcile(cuke))
	require.NoError(t, run.Reconcile(cuke), "reconciling twice changes nothing")

	got := map[string]*evidence.Scenario{}
	for _, sc := range run.Snapshot().Scenarios {
		got[sc.Name] = sc
	}
	require.Len(t, got, 7)
	tests := []struct {
		name, status, errSub, skipSub string
	}{
		{"passes", "passed", "", ""},
		{"fails", "failed", "lag stayed at 4000", ""},
		{"skips", "skipped", "", "needs docker"}, // from Recorder.Skip: godog's JSON drops it
		{"skips silently", "skipped", "", `step "Given a step that skips" was skipped`},
		{"is undefined", "undefined", "a step nobody wrote", ""},
		{"is pending", "pending", "", ""},
		{"never recorded", "passed", "no evidence recorded", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := got[tt.name]
			require.NotNil(t, sc)
			require.Equal(t, tt.status, sc.Status)
			require.Equal(t, "Broker outage", sc.Feature)
			require.NotZero(t, sc.Line)
			require.Contains(t, sc.Tags, "@chaos")
			if tt.errSub != "" {
				require.Contains(t, sc.Error, tt.errSub)
			}
			if tt.skipSub != "" {
				require.Contains(t, sc.SkipReason, tt.skipSub)
			}
		})
	}
	require.Contains(t, got["fails"].Tags, "@slow")
	require.Equal(t, []string{"1 failed", "1 undefined", "1 pending", "2 skipped without a declared reason"}, run.GateReasons())
}

func TestReconcileRejectsOtherJSON(t *testing.T) {
	run, _ := newRun(t)
	require.ErrorContains(t, run.Reconcile([]byte(`{"not":"a list"}`)), "cucumber")
	require.NoError(t, run.Reconcile([]byte(`[]`)))
}

// TestReconcileTellsOutlineExamplesApart: two examples of an outline can share a name;
// each cucumber result must land on the scenario recorded for its own row, never on the
// other's (the report would show one example's evidence under the other).
func TestReconcileTellsOutlineExamplesApart(t *testing.T) {
	run, _ := newRun(t)
	second := run.Start(evidence.Meta{ID: "b", Name: "same name", URI: "f.feature", Line: 12})
	first := run.Start(evidence.Meta{ID: "a", Name: "same name", URI: "f.feature", Line: 11})
	first.End(evidence.StatusPassed, nil)
	second.End(evidence.StatusPassed, nil)
	cj := `[{"uri":"f.feature","name":"F","elements":[
	  {"name":"same name","line":11,"type":"scenario","steps":[{"keyword":"Then ","name":"ok","result":{"status":"passed"}}]},
	  {"name":"same name","line":12,"type":"scenario","steps":[{"keyword":"Then ","name":"boom","result":{"status":"failed","error_message":"row 12 failed"}}]}]}]`
	require.NoError(t, run.Reconcile([]byte(cj)))
	snap := run.Snapshot()
	require.Len(t, snap.Scenarios, 2)
	for _, sc := range snap.Scenarios {
		switch sc.Line {
		case 11:
			require.Equal(t, evidence.StatusPassed, sc.Status, "row 11 passed")
			require.Empty(t, sc.Error)
		case 12:
			require.Equal(t, evidence.StatusFailed, sc.Status, "row 12 failed")
			require.Contains(t, sc.Error, "row 12 failed")
		default:
			t.Fatalf("unexpected scenario at line %d", sc.Line)
		}
	}
}

// TestReconcileCollectsDeviations: paragraphs starting with "Deviation:" in feature and
// scenario descriptions are collected once each, for the report.
func TestReconcileCollectsDeviations(t *testing.T) {
	run, _ := newRun(t)
	cj := `[{"uri":"a.feature","name":"A","description":"  Intro line.\n\n  Deviation: the lag alert fires at 1000,\n  as the incident asks.\n","elements":[
	  {"name":"x","line":3,"type":"scenario","description":"Deviation: stricter, because.","steps":[]},
	  {"name":"y","line":9,"type":"scenario","description":"Deviation: stricter, because.","steps":[]},
	  {"name":"z","line":12,"type":"scenario","description":"No deviation here.","steps":[]}]}]`
	require.NoError(t, run.Reconcile([]byte(cj)))
	got := run.Snapshot().Deviations
	require.Equal(t, []evidence.Deviation{
		{Feature: "A", URI: "a.feature", Text: "the lag alert fires at 1000, as the incident asks."},
		{Feature: "A", Scenario: "x", URI: "a.feature", Text: "stricter, because."},
	}, got)
}
