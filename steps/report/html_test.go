package report_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestHTMLStructure(t *testing.T) {
	run, p := writeFixture(t)
	page := readFile(t, p.HTML)

	has(t, page, `<header class="banner fail" id="verdict">`)
	has(t, page, `<div class="verdict">FAIL</div>`)
	has(t, page, "Gate failed: 1 failed, 1 pending, 1 skipped without a declared reason.")
	for _, v := range []string{"4.1.0", "3.5.0", "0.28.1", "4d4e497", "1747224000", "embedded", run.ID} {
		has(t, page, v)
	}
	snap := run.Snapshot()
	for i, sc := range snap.Scenarios {
		anchor := `id="s` + string(rune('1'+i)) + `"`
		has(t, page, anchor, "every scenario has a section")
		has(t, page, `<span class="badge `+sc.Status+`">`+sc.Status+`</span>`)
	}
	for _, name := range []string{"Broker outage raises KafkaBrokerDown and recovers", "Consumer lag alert fires within 90s",
		"Schema v2 messages go to the DLQ"} {
		require.Equal(t, 2, strings.Count(page, name), "%q: once in the table, once as a section title", name)
	}
	require.Equal(t, 3, strings.Count(page, "Network partition between broker and consumer"),
		"a skipped scenario is also listed under what the run did not cover")
	has(t, page, `id="not-covered"`)
	failed, pending := strings.Index(page, `href="#s1">Consumer lag alert fires`), strings.Index(page, `href="#s2">Schema v2`)
	skipped, passed := strings.Index(page, `href="#s3">Network partition`), strings.Index(page, `href="#s4">Broker outage`)
	require.True(t, 0 < failed && failed < pending && pending < skipped && skipped < passed, "failing scenarios are listed first")
	require.Equal(t, 2, strings.Count(page, `<g class="fault">`), "each fault span is shaded")
	has(t, page, "broker-1 paused (SIGSTOP)")
	require.Regexp(t, `<g class="window open"><title>consumer lag back under 100`, page, "a deadline past the plot has no end tick")
	has(t, page, "needs the containers stack: network faults use tc inside a container")
	has(t, page, "alert state pending since &#43;31s, never firing", "what was observed for an unmet expectation")
	has(t, page, "0 → 4000 (&#43;4000)")
	has(t, page, "<details class=\"evidence\">")
	has(t, page, "Before</h4>")
	has(t, page, "After</h4>")
}

func TestHTMLEscapesRecordedText(t *testing.T) {
	_, p := writeFixture(t)
	page := readFile(t, p.HTML)

	require.Equal(t, 1, strings.Count(page, "<script"), "only the page's own script")
	hasNot(t, page, "<img")
	hasNot(t, page, "<iframe")
	hasNot(t, page, "<svc>")
	has(t, page, `Escaping &lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; | *bold* &amp; &lt;/title&gt;`)
	has(t, page, `&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;`, "inside the SVG <title> too")
	has(t, page, `&lt;script&gt;alert(&#39;log&#39;)&lt;/script&gt;`)
	has(t, page, "<title>FAIL: DashStream acceptance", "the page title is intact")
}

func TestHTMLFetchesNothing(t *testing.T) {
	_, p := writeFixture(t)
	page := readFile(t, p.HTML)

	has(t, page, `content="default-src 'none';`)
	require.NotRegexp(t, `(?i)<[a-z][^>]*\ssrc=`, page, "no element loads anything")
	require.NotRegexp(t, `(?i)@import|url\(`, page, "the stylesheet loads nothing")
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		require.Regexp(t, `^(#s\d+|evidence\.json|report\.md|cucumber\.json|junit\.xml|SHA256SUMS)$`, m[1], "links stay in the report")
	}
}

// has and hasNot check page without printing the whole page on failure.
func has(t *testing.T, page, sub string, msg ...any) {
	t.Helper()
	if !strings.Contains(page, sub) {
		require.Fail(t, "report.html lacks "+strconv.Quote(sub), msg...)
	}
}

func hasNot(t *testing.T, page, sub string, msg ...any) {
	t.Helper()
	if strings.Contains(page, sub) {
		require.Fail(t, "report.html contains "+strconv.Quote(sub), msg...)
	}
}
