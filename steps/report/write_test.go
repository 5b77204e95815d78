package report_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/steps/report"
)

var (
	cukeJSON  = []byte(`[{"uri":"features/broker.feature","name":"Broker failures","elements":[]}]`)
	junitXML  = []byte(`<?xml version="1.0" encoding="UTF-8"?><testsuites name="godog"></testsuites>`)
	fileNames = []string{"SHA256SUMS", "cucumber.json", "evidence.json", "junit.xml", "report.html", "report.md"}
)

// writeFixture writes the fixture run's report into a temporary root.
func writeFixture(t *testing.T) (*evidence.Run, report.Paths) {
	t.Helper()
	run := fixtureRun(t, "20260514T120000Z-abc123")
	p, err := report.Write(t.TempDir(), run, cukeJSON, junitXML)
	require.NoError(t, err)
	return run, p
}

func TestWriteCreatesEveryFile(t *testing.T) {
	run, p := writeFixture(t)
	require.Equal(t, "20260514T120000Z-abc123", filepath.Base(p.Dir))

	entries, err := os.ReadDir(p.Dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	require.Equal(t, fileNames, names, "no temporary files left, nothing missing")

	for _, f := range []string{p.Evidence, p.Markdown, p.HTML, p.Cucumber, p.JUnit, p.Manifest} {
		require.FileExists(t, f)
	}
	got, err := os.ReadFile(p.Cucumber)
	require.NoError(t, err)
	require.Equal(t, cukeJSON, got, "cucumber.json is kept byte for byte")
	got, err = os.ReadFile(p.JUnit)
	require.NoError(t, err)
	require.Equal(t, junitXML, got)

	raw, err := os.ReadFile(p.Evidence)
	require.NoError(t, err)
	var back evidence.Run
	require.NoError(t, json.Unmarshal(raw, &back))
	require.Equal(t, run.ID, back.ID)
	require.Len(t, back.Scenarios, 5)
	require.Equal(t, run.Counts(), back.Counts())
	require.False(t, back.Passed())
	require.Contains(t, string(raw), `<script>alert(\"pwned\")</script>`, "evidence.json is data, not HTML-escaped")
	require.NoError(t, report.VerifyManifest(p.Dir))
}

func TestWriteOmitsMissingInputs(t *testing.T) {
	run := fixtureRun(t, "no-godog-output")
	p, err := report.Write(t.TempDir(), run, nil, nil)
	require.NoError(t, err)
	require.Empty(t, p.Cucumber)
	require.Empty(t, p.JUnit)
	require.NoFileExists(t, filepath.Join(p.Dir, report.CucumberFile))
	require.NoError(t, report.VerifyManifest(p.Dir))
	page, err := os.ReadFile(p.HTML)
	require.NoError(t, err)
	require.NotContains(t, string(page), `href="cucumber.json"`, "the footer links only files that exist")
}

func TestWriteRefusesBadInput(t *testing.T) {
	root := t.TempDir()
	run := fixtureRun(t, "same-id")
	_, err := report.Write(root, run, nil, nil)
	require.NoError(t, err)
	_, err = report.Write(root, run, nil, nil)
	require.ErrorIs(t, err, report.ErrExists)

	for _, id := range []string{"", "../escape", "a/b", ".hidden", "with space"} {
		bad := &evidence.Run{ID: id, Stack: "embedded"}
		_, err = report.Write(root, bad, nil, nil)
		require.ErrorContains(t, err, "not a safe directory name", id)
	}
	_, err = report.Write(root, nil, nil, nil)
	require.Error(t, err)
	_, err = report.Write(root, evidence.NewRun("embedded", 1, evidence.RunID("bad-cuke")), []byte("{"), nil)
	require.ErrorContains(t, err, "cucumber")
}

func TestWriteReconcilesCucumber(t *testing.T) {
	run := evidence.NewRun("embedded", 1, evidence.RunID("reconcile"))
	run.Start(evidence.Meta{ID: "a", Name: "recorded without a status", URI: "features/a.feature"})
	run.Finish()
	cuke := []byte(`[{"uri":"features/a.feature","name":"A","elements":[
	  {"name":"recorded without a status","line":3,"type":"scenario","steps":[
	    {"keyword":"Given ","name":"x","result":{"status":"failed","error_message":"boom"}}]}]}]`)
	p, err := report.Write(t.TempDir(), run, cuke, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"1 failed"}, run.GateReasons(), "Write merged godog's verdict into the run")
	md, err := os.ReadFile(p.Markdown)
	require.NoError(t, err)
	require.Contains(t, string(md), "step \"Given x\": boom\nthe scenario never ended", "godog's cause first, then the recorder's")
}

func TestWriteEmptyRunFailsTheGate(t *testing.T) {
	run := evidence.NewRun("embedded", 1, evidence.RunID("empty"))
	run.Finish()
	p, err := report.Write(t.TempDir(), run, nil, nil)
	require.NoError(t, err)
	page := readFile(t, p.HTML)
	has(t, page, `<div class="verdict">FAIL</div>`)
	has(t, page, "Gate failed: no scenarios ran.")
	has(t, page, "No scenarios ran.")
	require.Contains(t, report.Summary(run, p), "gate: FAIL (no scenarios ran)")
	require.NoError(t, report.VerifyManifest(p.Dir))
}

func TestSummaryWarnsAboutPassedWithUnmet(t *testing.T) {
	run := evidence.NewRun("embedded", 1)
	rec := run.Start(evidence.Meta{ID: "a", Name: "lenient"})
	rec.Expect("alert fires", 0).Missed("never")
	rec.End(evidence.StatusPassed, nil)
	run.Finish()
	s := report.Summary(run, report.Paths{})
	require.Contains(t, s, "gate: PASS")
	require.Contains(t, s, "warning:  lenient passed with unmet expectations")
	require.Contains(t, s, "unmet: alert fires: NOT met, not observed within 0s; last seen: never")
}
