package steps

import (
	"bytes"
	"context"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
)

// TestGatedSummaryCountsSkipsAsSkipped: godog's own summary counts a scenario whose steps
// were skipped as passed; the output TestFeatures gives godog prints the gate's count.
func TestGatedSummaryCountsSkipsAsSkipped(t *testing.T) {
	const feature = `Feature: f
  Scenario: runs
    Given a step that passes
  Scenario: cannot run here
    Given a step that skips
    Then a step that passes
`
	for _, format := range []string{"progress", "pretty"} {
		t.Run(format, func(t *testing.T) {
			run := evidence.NewRun("embedded", 1)
			var out bytes.Buffer
			status := godog.TestSuite{
				ScenarioInitializer: func(sc *godog.ScenarioContext) {
					var rec *evidence.Recorder
					sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
						rec = run.Start(evidence.Meta{ID: p.Id, Name: p.Name})
						return ctx, nil
					})
					sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
						rec.End(statusOf(err, nil), err) // as the suite's After hook does
						return ctx, nil
					})
					sc.Step(`^a step that passes$`, func() error { return nil })
					sc.Step(`^a step that skips$`, func(context.Context) error {
						rec.SkipMissing("cannot run here", "multi-broker")
						return godog.ErrSkip
					})
				},
				Options: &godog.Options{Format: format, Output: &gateSummary{out: &out, counts: run.Counts}, Strict: true,
					FeatureContents: []godog.Feature{{Name: "f.feature", Contents: []byte(feature)}}},
			}.Run()
			require.Equal(t, 0, status, "godog itself passes a skipped scenario; the gate does not")
			require.Contains(t, out.String(), "\n2 scenarios (1 passed, 1 skipped)\n", out.String())
			require.NotContains(t, out.String(), "2 passed)")
		})
	}
}
