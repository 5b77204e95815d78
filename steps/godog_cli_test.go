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
// cucumber JSON and JUnit XML: ask godog for them with --format). The exit code is godog's,
// except for an INCOMPLETE run, which exits with evidence.ExitIncomplete right after the
// report (godog's own summary, which counts skips as passed, is then not printed).
func InitializeTestSuite(ts *godog.TestSuiteContext) {
	stackName := envOr("STACK", "embedded")
	run := evidence.NewRun(stackName, 0)
	if root, err := tools.RepoRoot(); err == nil {
		profile, err := profileFor(root, stackName)
		if err != nil {
			fmt.Fprintln(os.Stderr, "release profile:", err)
			os.Exit(evidence.ExitFail)
		}
		run.SetProfile(profile)
	}
	root, err := tools.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "repository root:", err)
		os.Exit(evidence.ExitFail)
	}
	prof, err := loadSUT(root, run)
	if err != nil {
		fmt.Fprintln(os.Stderr, "SUT profile:", err)
		os.Exit(evidence.ExitFail)
	}
	cliSuite = NewSuite(stackName, envInt("BROKERS", 1), prof, run)
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
		if run.Verdict() == evidence.VerdictIncomplete {
			// godog would exit 0: it counts skipped scenarios as passed.
			os.Exit(evidence.ExitIncomplete)
		}
	})
}

// InitializeScenario wires the steps for the godog CLI (see InitializeTestSuite).
func InitializeScenario(sc *godog.ScenarioContext) { cliSuite.InitializeScenario(sc) }
