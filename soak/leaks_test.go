package soak

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/tools"
)

// failingFeature expects a gap where none exists: the run must fail for real.
const failingFeature = `@soak-leak-check
Feature: Soak leak check, a false expectation
  Scenario: Interleaved threads reported with a gap that does not exist
    Given the quality aggregator writes 20 events on each of 5 threads
    When a consumer reads all 100 records
    Then the consumer reports 0 duplicates, 1 gap and 0 reorders
`

// outageFeature freezes the broker long enough to be interrupted in the middle.
const outageFeature = `@soak-leak-check @chaos @destructive
Feature: Soak leak check, an interrupted broker outage
  Scenario: A producer writes while broker 1 is frozen for a minute
    Given a producer is writing 20 events per second on a thread
    When broker 1 suffers a pause for 60 seconds
    Then the producer's writes are acknowledged again within 10 seconds of the broker's return
`

// TestSuiteLeavesNothing runs the acceptance suite in a child process in three modes (a
// passing run, a run with a scenario that fails for real, a run interrupted with SIGINT
// while a broker is frozen) and checks after each that nothing of the run is left: no
// process, no new listening TCP port, no harness container (when a Docker daemon
// answers), no file in the child's TMPDIR. It takes minutes: skipped with -short.
func TestSuiteLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the acceptance suite three times in child processes: skipped with -short")
	}
	root, err := tools.RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	bin := filepath.Join(dir, "steps.test")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, BuildSuite(ctx, bin, Repo(root)))

	failing := writeFile(t, filepath.Join(dir, "failing.feature"), failingFeature)
	outage := writeFile(t, filepath.Join(dir, "outage.feature"), outageFeature)
	findings := map[string]Leaks{}
	t.Cleanup(func() { writeFindings(t, findings) })

	tests := []struct {
		name      string
		args      []string
		interrupt bool
		check     func(t *testing.T, r childRun)
	}{
		{"a-normal", []string{"-godog.tags=@sequences", filepath.Join(root, "features", "sequence_integrity.feature")}, false,
			func(t *testing.T, r childRun) {
				require.Equal(t, 0, r.exitCode, "the @sequences run failed:\n%s", r.tail())
				res := r.scenarios(t)
				require.NotEmpty(t, res)
				for _, s := range res {
					require.Equal(t, "passed", s.Status, "%s: %s", s.Name, s.Error)
				}
			}},
		{"b-failing", []string{"-godog.tags=@soak-leak-check", failing}, false,
			func(t *testing.T, r childRun) {
				require.NotContains(t, []int{0, 130}, r.exitCode, "the run with a false expectation must fail:\n%s", r.tail())
				res := r.scenarios(t)
				require.Len(t, res, 1)
				require.Equal(t, "failed", res[0].Status, "the false expectation must fail the scenario")
				require.Contains(t, res[0].Error, "expected 0, 0, 1, 0")
			}},
		{"c-interrupted", []string{"-godog.tags=@soak-leak-check", "-godog.concurrency=1", outage}, true,
			func(t *testing.T, r childRun) {
				require.Equal(t, 130, r.exitCode, "SIGINT must end the run with 130:\n%s", r.tail())
				require.True(t, r.faultSeen, "the fault was never observed injected:\n%s", r.tail())
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			before, err := TakeSnapshot(ctx)
			require.NoError(t, err)
			r := runChildSuite(ctx, t, bin, root, tc.args, tc.interrupt)
			leaks := waitForNothingLeft(ctx, t, before, r.child, 15*time.Second)
			findings[tc.name] = leaks
			if n := len(leaks.Foreign); n > 0 {
				t.Logf("%d new processes and ports of other users of the machine, not counted, e.g. %s", n, leaks.Foreign[0])
			}
			tc.check(t, r)
			require.Zero(t, leaks.Count(), "the run left things behind:\nprocesses %q\nports %q\ncontainers %q\ntemp files %q",
				leaks.Processes, leaks.Ports, leaks.Containers, leaks.TempFiles)
		})
	}
}

// waitForNothingLeft compares the machine with before until nothing of the run is left
// or grace is over (children killed with Pdeathsig die a moment after their parent), and
// returns what is left at that point.
func waitForNothingLeft(ctx context.Context, t *testing.T, before Snapshot, c Child, grace time.Duration) Leaks {
	t.Helper()
	deadline := time.Now().Add(grace)
	for {
		after, err := TakeSnapshot(ctx)
		require.NoError(t, err)
		l := Leftovers(before, after, c)
		if l.Count() == 0 || time.Now().After(deadline) {
			return l
		}
		select {
		case <-ctx.Done():
			return l
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// writeFindings writes what every mode left to $SOAK_LEAKS_JSON, for dssoak's summary.
func writeFindings(t *testing.T, findings map[string]Leaks) {
	t.Helper()
	path := os.Getenv(EnvLeaksJSON)
	if path == "" {
		return
	}
	data, err := json.MarshalIndent(findings, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// pausedIn reports a stopped (SIGSTOP) process of the run: a frozen broker.
func pausedIn(c Child) string {
	procs, err := Processes()
	if err != nil {
		return ""
	}
	for pid, p := range procs {
		if p.State == "T" && (p.HasEnv(c.EnvMarker) || descendsFrom(procs, pid, c.PID)) {
			return p.String()
		}
	}
	return ""
}
