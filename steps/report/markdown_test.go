package report_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/report"
)

func TestMarkdown(t *testing.T) {
	_, p := writeFixture(t)
	md := readFile(t, p.Markdown)

	require.True(t, strings.HasPrefix(md, "# DashStream acceptance: FAIL\n"))
	require.Contains(t, md, "**Release gate: FAIL**: 1 failed, 1 pending, 1 skipped without a declared reason.")
	require.Contains(t, md, "| 5 | 2 | 1 | 1 | 0 | 1 | 0 |", "the counts row")
	require.Contains(t, md, "| kafka | 4.1.0 |")
	require.Contains(t, md, "| Seed | 1747224000 |")
	require.Contains(t, md, "| ✅ passed | Broker outage raises KafkaBrokerDown and recovers | Broker failures | 1m35s | 2/2 met |  |")
	require.Contains(t, md, "| ❌ failed | Consumer lag alert fires within 90s | Consumer lag | 1m36s | 0/1 met |")
	require.Contains(t, md, "- **Network partition between broker and consumer**: needs the containers stack: network faults use tc inside a container")
	require.Contains(t, md, "- ❌ alert DashStreamConsumerLag fires: NOT met, not observed within 1m30s; last seen: alert state pending since +31s, never firing")
	require.Contains(t, md, "```text\nalert DashStreamConsumerLag did not fire within 1m30s\nlast state: pending\n```")

	// Recorded text cannot break the table or inject HTML.
	require.Contains(t, md, `Escaping &lt;script&gt;alert("pwned")&lt;/script&gt; \| \*bold\* &amp; &lt;/title&gt;`)
	require.NotContains(t, md, "<script")
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ✅") || strings.HasPrefix(line, "| ❌") || strings.HasPrefix(line, "| ⏭") {
			require.Equal(t, 7, strings.Count(line, "|")-strings.Count(line, `\|`), "six cells: %s", line)
		}
	}
}

func TestSummary(t *testing.T) {
	run, p := writeFixture(t)
	s := report.Summary(run, p)

	require.Contains(t, s, "DashStream acceptance gate: FAIL (1 failed, 1 pending, 1 skipped without a declared reason)")
	require.Contains(t, s, "5 scenarios: 2 passed, 1 failed, 1 skipped, 1 pending")
	require.Contains(t, s, "failed:   Consumer lag alert fires within 90s (features/lag.feature:5)")
	require.Contains(t, s, "unmet: alert DashStreamConsumerLag fires: NOT met")
	require.Contains(t, s, "pending:  Schema v2 messages go to the DLQ")
	require.Contains(t, s, "NOT RUN:  Network partition between broker and consumer (features/network.feature:3) — needs the containers stack")
	require.Contains(t, s, "not declared in the release profile: the gate cannot pass")
	require.Contains(t, s, "report:   "+p.HTML)
	require.NotContains(t, s, "Broker outage", "passed scenarios are only counted")

	require.NotContains(t, report.Summary(run, report.Paths{}), "report:")
}

// TestDeviationsAreListed: a feature's "Deviation:" paragraph reaches every report.
func TestDeviationsAreListed(t *testing.T) {
	run := fixtureRun(t, "dev-run")
	cj := `[{"uri":"a.feature","name":"Alerting","description":"Deviation: the harness fires at 1000, the incident's number.","elements":[]}]`
	p, err := report.Write(t.TempDir(), run, []byte(cj), nil)
	require.NoError(t, err)
	require.Contains(t, readFile(t, p.Markdown), "- **Alerting**: the harness fires at 1000, the incident's number.")
	require.Contains(t, readFile(t, p.HTML), `id="deviations"`)
	require.Contains(t, report.Summary(run, p), "deviations from the incident document: 1")
}
