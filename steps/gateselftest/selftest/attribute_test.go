package selftest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
)

func TestAttribute(t *testing.T) {
	m := Mutant{Name: "m", Tags: "@x", Scenario: "sequences 1 to 100", Step: "are exactly 1 to 100", Expect: "sequence"}
	guard := func(status, step, err string) evidence.CucumberResult {
		return evidence.CucumberResult{Name: "100 messages arrive with sequences 1 to 100", Status: status, Step: step, Error: err}
	}
	other := evidence.CucumberResult{Name: "another scenario", Status: evidence.StatusFailed, Step: "something", Error: "boom"}
	tests := []struct {
		name    string
		results []evidence.CucumberResult
		want    Verdict
	}{
		{"killed at the guarding step", []evidence.CucumberResult{guard("failed", "the thread's sequences are exactly 1 to 100 in order", "sequence 1 is 0")}, Killed},
		{"killed at the guarding step while another scenario also failed", []evidence.CucumberResult{other, guard("failed", "the thread's sequences are exactly 1 to 100 in order", "sequence 1 is 0")}, Killed},
		{"failed at another step", []evidence.CucumberResult{guard("failed", "100 records are read back", "timeout")}, KilledElsewhere},
		{"failed with another error", []evidence.CucumberResult{guard("failed", "the thread's sequences are exactly 1 to 100 in order", "kafka down")}, KilledElsewhere},
		{"another scenario failed, the guard passed", []evidence.CucumberResult{other, guard("passed", "", "")}, KilledElsewhere},
		{"undefined step is not a kill", []evidence.CucumberResult{guard("undefined", "the thread's sequences are exactly 1 to 100 in order", "")}, KilledElsewhere},
		{"survived", []evidence.CucumberResult{guard("passed", "", "")}, Survived},
		{"guard skipped", []evidence.CucumberResult{guard("skipped", "a cluster", "")}, NotRun},
		{"guard not selected", []evidence.CucumberResult{{Name: "x", Status: "passed"}}, NotRun},
		{"nothing ran", nil, NotRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, detail := Attribute(m, tt.results)
			require.Equal(t, tt.want, got, detail)
			require.NotEmpty(t, detail)
		})
	}
}

func TestBaseline(t *testing.T) {
	m := Mutant{Scenario: "guard", Tags: "@x"}
	require.Empty(t, Baseline(m, []evidence.CucumberResult{{Name: "the guard", Status: "passed"}}))
	require.Contains(t, Baseline(m, []evidence.CucumberResult{{Name: "the guard", Status: "failed", Step: "s", Error: "e"}}), "failed")
	require.Contains(t, Baseline(m, []evidence.CucumberResult{{Name: "the guard", Status: "skipped"}}), "skipped")
	require.Contains(t, Baseline(m, nil), "no scenario")
}

func TestReportHoles(t *testing.T) {
	killed := Outcome{Mutant: Mutant{Name: "a"}, Verdict: Killed}
	survived := Outcome{Mutant: Mutant{Name: "b"}, Verdict: Survived}
	hole := Outcome{Mutant: Mutant{Name: "c", Hole: "no scenario yet"}, Verdict: Survived}
	closed := Outcome{Mutant: Mutant{Name: "d", Hole: "was a hole"}, Verdict: Killed}
	require.True(t, Report{Outcomes: []Outcome{killed, hole}}.Passed(), "a declared hole does not fail the run")
	require.False(t, Report{Outcomes: []Outcome{killed, survived, hole}}.Passed(), "an undeclared survivor does")
	require.False(t, Report{}.Passed(), "no mutant proves nothing")
	r := Report{Outcomes: []Outcome{killed, hole, closed}}
	require.Equal(t, 1, r.Holes())
	require.Contains(t, r.Table(), "c SURVIVED, a declared hole: no scenario yet")
	require.Contains(t, r.Table(), "d is killed now: remove its hole mark")
	require.Contains(t, r.Markdown(), "survived (declared hole)")
}
