package report

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/dashstream/acceptance/steps/evidence"
)

// mdEscaper makes recorded text inert in Markdown: no emphasis, links, tables breaks,
// headings or inline HTML. Newlines become spaces: cells and list items are one line.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`,
	"#", `\#`, "~", `\~`, "!", `\!`, "&", "&amp;", "<", "&lt;", ">", "&gt;",
	"\r\n", " ", "\n", " ", "\r", " ",
)

func md(s string) string { return mdEscaper.Replace(s) }

// fence wraps s in a fenced code block whose fence is longer than any backtick run in s.
func fence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + "text\n" + strings.TrimRight(s, "\n") + "\n" + f + "\n"
}

var statusIcon = map[string]string{
	evidence.StatusPassed: "✅", evidence.StatusFailed: "❌", evidence.StatusSkipped: "⏭️",
	evidence.StatusUndefined: "⚠️", evidence.StatusPending: "⏸️", evidence.StatusAmbiguous: "⚠️",
}

func icon(status string) string {
	if i, ok := statusIcon[status]; ok {
		return i
	}
	return "❓"
}

// renderMarkdown writes report.md for run (a snapshot).
func renderMarkdown(run *evidence.Run) []byte {
	var b bytes.Buffer
	verdict := run.Verdict()
	fmt.Fprintf(&b, "# DashStream acceptance: %s\n\n", verdict)
	switch reasons := run.GateReasons(); verdict {
	case evidence.VerdictPass:
		b.WriteString("**Release gate: PASS**: every selected scenario ran and passed")
		if c := run.Counts(); c.Declared > 0 {
			fmt.Fprintf(&b, ", except %d skipped for capabilities the release profile accepts", c.Declared)
		}
		b.WriteString(".\n\n")
	case evidence.VerdictIncomplete:
		fmt.Fprintf(&b, "**Release gate: INCOMPLETE**: not everything was checked: %s.\n\n", md(strings.Join(reasons, ", ")))
	default:
		fmt.Fprintf(&b, "**Release gate: FAIL**: %s.\n\n", md(strings.Join(reasons, ", ")))
	}
	if gaps := run.NotCovered(); len(gaps) > 0 {
		fmt.Fprintf(&b, "### Not covered by this run\n\nRelease profile: %s\n\n| Scenario | Why it did not run | Accepted by the profile |\n|---|---|---|\n", md(profileName(run)))
		for _, g := range gaps {
			acc := "**no**: not declared, the gate cannot pass"
			if g.Declared {
				acc = "yes: " + md(g.Why)
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s |\n", md(g.Scenario), md(g.Where), md(g.Reason), acc)
		}
		b.WriteString("\n")
	}
	if len(run.Deviations) > 0 {
		b.WriteString("### Where the harness keeps another rule than the incident document\n\n")
		for _, d := range run.Deviations {
			where := md(d.Feature)
			if d.Scenario != "" {
				where += " / " + md(d.Scenario)
			}
			fmt.Fprintf(&b, "- **%s**: %s\n", where, md(d.Text))
		}
		b.WriteString("\n")
	}
	c := run.Counts()
	b.WriteString("| Total | Passed | Failed | Skipped | Undefined | Pending | Other |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %d | %d |\n\n", c.Total, c.Passed, c.Failed, c.Skipped, c.Undefined, c.Pending, c.Ambiguous+c.Unknown)

	b.WriteString("| Run | |\n|---|---|\n")
	rows := [][2]string{
		{"Run ID", md(run.ID)}, {"Implementation under test", md(run.SUTLine())}, {"Stack", md(run.Stack)}, {"Seed", fmt.Sprint(run.Seed)},
		{"Tags", md(orDash(run.Tags))}, {"Started", stamp(run.Started)}, {"Ended", stamp(run.Ended)},
		{"Duration", runDuration(run)},
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], r[1])
	}
	b.WriteString("\n## Versions\n\n| Component | Version |\n|---|---|\n")
	keys := make([]string, 0, len(run.Versions))
	for k := range run.Versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %s |\n", md(k), md(run.Versions[k]))
	}

	b.WriteString("\n## Scenarios\n\n| Status | Scenario | Feature | Duration | Expectations | Notes |\n|---|---|---|---:|---|---|\n")
	for _, sc := range ordered(run) {
		fmt.Fprintf(&b, "| %s %s | %s | %s | %s | %s | %s |\n", icon(sc.Status), statusOf(sc.Status),
			md(sc.Name), md(sc.Feature), dur(sc.Duration()), expectSummary(sc), md(note(sc)))
	}

	var failing, skipped []*evidence.Scenario
	for _, sc := range run.Scenarios {
		if sc.FailsGate() || len(sc.Unmet()) > 0 {
			failing = append(failing, sc)
		}
		if sc.Status == evidence.StatusSkipped {
			skipped = append(skipped, sc)
		}
	}
	if len(failing) > 0 {
		b.WriteString("\n## Failures and unmet expectations\n")
		for _, sc := range failing {
			fmt.Fprintf(&b, "\n### %s %s (%s)\n\n", icon(sc.Status), md(sc.Name), statusOf(sc.Status))
			if w := where(sc); w != "" {
				fmt.Fprintf(&b, "%s\n\n", md(strings.TrimSpace(w)))
			}
			if sc.Error != "" {
				b.WriteString(fence(sc.Error) + "\n")
			}
			for _, e := range sc.Unmet() {
				fmt.Fprintf(&b, "- ❌ %s\n", md(expectationLine(e)))
			}
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\n## Skipped\n\n")
		for _, sc := range skipped {
			fmt.Fprintf(&b, "- **%s**: %s\n", md(sc.Name), md(orDefault(sc.SkipReason, "no reason given")))
		}
	}
	fmt.Fprintf(&b, "\n---\nEvidence: `%s`, timeline and BEFORE/AFTER detail: `%s`, checksums: `%s`.\n", EvidenceFile, HTMLFile, ManifestFile)
	return b.Bytes()
}

// expectSummary is "3/4 met" or "—".
func expectSummary(sc *evidence.Scenario) string {
	if len(sc.Expectations) == 0 {
		return "—"
	}
	return fmt.Sprintf("%d/%d met", len(sc.Expectations)-len(sc.Unmet()), len(sc.Expectations))
}

// note is the one-line remark for a scenario table row.
func note(sc *evidence.Scenario) string {
	switch {
	case sc.Status == evidence.StatusSkipped:
		return firstLine(orDefault(sc.SkipReason, "skipped, no reason given"), 120)
	case sc.Error != "":
		return firstLine(sc.Error, 120)
	}
	if u := sc.Unmet(); len(u) > 0 {
		return "unmet: " + shorten(u[0].Name, 100)
	}
	return ""
}

func orDash(s string) string { return orDefault(s, "—") }

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
