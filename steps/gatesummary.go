package steps

import (
	"io"
	"regexp"
	"sync"

	"github.com/dashstream/acceptance/steps/evidence"
)

// scenarioLine is the line in which godog's pretty and progress formats count scenarios
// ("40 scenarios (40 passed)", possibly with colour codes); godog writes it in one Write.
var scenarioLine = regexp.MustCompile(`^\d+ scenarios? \(.*\)\n$`)

// gateSummary is the output godog's formatters write to. It passes everything through,
// except godog's scenario count, which it replaces with the gate's: godog counts a scenario
// whose steps were skipped as passed, the gate counts it skipped, and a release manager
// must not read two different numbers for one run.
type gateSummary struct {
	mu     sync.Mutex
	out    io.Writer
	counts func() evidence.Counts
}

func (g *gateSummary) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if scenarioLine.Match(p) {
		if _, err := io.WriteString(g.out, godogCounts(g.counts())+"\n"); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return g.out.Write(p)
}

// godogCounts renders counts the way godog's summary does: "40 scenarios (39 passed, 1 skipped)".
func godogCounts(c evidence.Counts) string {
	s := c.String() // "40 scenarios: 39 passed, 1 skipped"
	if i := indexColon(s); i >= 0 {
		return s[:i] + " (" + s[i+2:] + ")"
	}
	return s
}

func indexColon(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ':' && s[i+1] == ' ' {
			return i
		}
	}
	return -1
}
