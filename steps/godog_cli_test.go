package steps

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/steps/report"
	"github.com/dashstream/acceptance/system/tools"
)

// cliSuite is the suite of a `godog run` process. The godog CLI calls the two
// initializers below once per process, so the suite (not any scenario's state) lives here;
// go test's TestFeatures does not use it.
var cliSuite *Suite

// InitializeTestSuite is the entry point of the godog CLI, run in this folder:
//
//	cd steps && STACK=embedded godog run ../features/tenant_tagging.feature
//
// It runs the scenarios on the stack named by STACK (default embedded) and, after the
// last one, closes the stack and writes reports/<run-id>/ as TestFeatures does (without
// cucumber JSON and JUnit XML: ask godog for them with --format). The exit code is godog's.
func InitializeTestSuite(ts *godog.TestSuiteContext) {
	stackName := envOr("STACK", "embedded")
	run := evidence.NewRun(stackName, 0)
	cliSuite = NewSuite(stackName, envInt("BROKERS", 1), run)
	cliSuite.HandleInterrupts()
	ts.AfterSuite(func() {
		run.Finish()
		cliSuite.Close()
		root, err := tools.RepoRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, "report not written:", err)
			return
		}
		paths, err := report.Write(filepath.Join(root, "reports"), run, nil, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report not written:", err)
			return
		}
		fmt.Println(report.Summary(run, paths))
	})
}

// InitializeScenario wires the steps for the godog CLI (see InitializeTestSuite).
func InitializeScenario(sc *godog.ScenarioContext) { cliSuite.InitializeScenario(sc) }
