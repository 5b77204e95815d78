package steps

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/steps/release"
	"github.com/dashstream/acceptance/steps/report"
	_ "github.com/dashstream/acceptance/system/containers" // registers STACK=containers
	"github.com/dashstream/acceptance/system/sut"
	"github.com/dashstream/acceptance/system/tools"
)

var (
	stackFlag  = flag.String("stack", envOr("STACK", "embedded"), "stack to run on: embedded, local, containers, external")
	brokerFlag = flag.Int("brokers", envInt("BROKERS", 1), "brokers the stack starts (local: 1 or 3)")
	reportFlag = flag.String("report-dir", "", "where reports/<run-id>/ is written (default: <repo>/reports)")
	profFlag   = flag.String("release-profile", os.Getenv("RELEASE_PROFILE"),
		"release profile: what the run accepts not to cover (default fixtures/release/<stack>.yml; 'none' accepts nothing)")
	sutFlag = flag.String("sut", envOr("SUT", sut.Default),
		"implementation under test: a profile name in fixtures/sut ("+sut.Default+", dashflow) or a path to a profile")
	godogOpts = godog.Options{Strict: true, Concurrency: 4, Format: "pretty"}
)

func init() { godog.BindFlags("godog.", flag.CommandLine, &godogOpts) }

// gateExit is the exit code of the last TestFeatures gate (evidence.Exit*), -1 when it did
// not run. TestMain turns a failed test into it, so INCOMPLETE exits with its own code.
var gateExit = -1

// TestMain exits with the gate's code when TestFeatures ran: 0 PASS, 1 FAIL, 3 INCOMPLETE.
// Any other failure of the package (a unit test, a panic) keeps go test's own code.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 1 && gateExit == evidence.ExitIncomplete {
		code = evidence.ExitIncomplete
	}
	os.Exit(code)
}

// profileFor loads the release profile the run is judged with.
func profileFor(root, stackName string) (evidence.ReleaseProfile, error) {
	if *profFlag != "" {
		return release.Load(root, *profFlag)
	}
	return release.ForStack(root, stackName)
}

// loadSUT loads the implementation under test named by -sut (SUT) and records it, with
// its version, on the run.
func loadSUT(root string, run *evidence.Run) (*sut.Profile, error) {
	prof, err := sut.Load(root, *sutFlag)
	if err != nil {
		return nil, err
	}
	bin, err := tools.BinDir()
	if err != nil {
		return nil, err
	}
	version, err := prof.VersionOf(bin, repoVersion(root, run.Versions["harness"]))
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(root, prof.File())
	if err != nil {
		rel = prof.File()
	}
	run.SetSUT(evidence.SUT{Name: prof.Name, Version: version, Profile: rel, Description: prof.Description})
	return prof, nil
}

// repoVersion is this repository's version: the harness's build version when it has one,
// else the commit git describes (with -dirty for uncommitted changes), else "".
func repoVersion(root, harness string) string {
	if harness != "" {
		return harness
	}
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return "commit " + strings.TrimSpace(string(out))
}

// embeddedConcurrency is how many scenarios run at once on the embedded stack unless
// -godog.concurrency says otherwise.
const embeddedConcurrency = 8

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// TestFeatures runs the Gherkin features on the chosen stack and writes the evidence
// report. It fails when the release gate fails.
func TestFeatures(t *testing.T) {
	root, err := tools.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	opts := godogOpts
	opts.TestingT = t
	for _, p := range flag.Args() { // paths are relative to the repository, as users type them
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		opts.Paths = append(opts.Paths, p)
	}
	if len(opts.Paths) == 0 {
		opts.Paths = []string{filepath.Join(root, "features")}
	}
	if !flagSet("godog.concurrency") && *stackFlag == "embedded" {
		// Scenarios mostly wait on real signals, and the embedded stack gives each
		// destructive one a broker of its own, so more of them run at once.
		opts.Concurrency = embeddedConcurrency
	}
	if opts.Randomize == 0 {
		opts.Randomize = time.Now().UnixNano() // the seed is in the report: rerun with -godog.random=SEED
	}
	run := evidence.NewRun(*stackFlag, opts.Randomize, evidence.Tags(opts.Tags))
	profile, err := profileFor(root, *stackFlag)
	if err != nil {
		t.Fatalf("release profile: %v (fix the file, or pass -release-profile=PATH or none)", err)
	}
	run.SetProfile(profile)
	prof, err := loadSUT(root, run)
	if err != nil {
		t.Fatal(err)
	}
	suite := NewSuite(*stackFlag, *brokerFlag, prof, run)
	suite.HandleInterrupts()
	work, err := os.MkdirTemp("", "dashstream-run-") // not t.TempDir: an interrupt removes it too
	if err != nil {
		t.Fatal(err)
	}
	suite.AtExit(func() { os.RemoveAll(work) })
	cucumber, junit := filepath.Join(work, "cucumber.json"), filepath.Join(work, "junit.xml")
	opts.Format = fmt.Sprintf("%s,cucumber:%s,junit:%s", opts.Format, cucumber, junit)
	opts.Output = &gateSummary{out: os.Stdout, counts: run.Counts} // godog's count, the gate's way
	status := godog.TestSuite{Name: "dashstream", ScenarioInitializer: suite.InitializeScenario, Options: &opts}.Run()
	run.Finish()
	cj, _ := os.ReadFile(cucumber)
	jx, _ := os.ReadFile(junit)
	suite.Close()

	dir := *reportFlag
	if dir == "" {
		dir = filepath.Join(root, "reports")
	}
	paths, err := report.Write(dir, run, cj, jx)
	if err != nil {
		t.Errorf("write report: %v", err)
	}
	fmt.Println(report.Summary(run, paths))
	gateExit = run.ExitCode()
	if status != 0 && gateExit == evidence.ExitPass {
		gateExit = evidence.ExitFail // godog saw a failure the evidence did not: trust the worse
	}
	if gateExit != evidence.ExitPass {
		t.Fatalf("release gate: %s (godog status %d); report: %s", run.Verdict(), status, paths.HTML)
	}
}
