package soak

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// envFakeSuite makes the test binary, re-executed, play the acceptance suite: it writes
// a report (or not) under its -report-dir and exits as the mode says.
const envFakeSuite = "SOAK_TEST_FAKE_SUITE"

const fakeCucumber = `[{"uri":"features/s.feature","name":"Sequence integrity","elements":[
 {"name":"ok","line":3,"type":"scenario","steps":[{"keyword":"Given ","name":"a","result":{"status":"passed"}}]},
 {"name":"skip","line":5,"type":"scenario","steps":[{"keyword":"Given ","name":"a","result":{"status":"skipped"}}]},
 {"name":"gap","line":7,"type":"scenario","steps":[{"keyword":"Then ","name":"1 gap","result":{"status":"%s","error_message":"reported 0 gaps"}}]}]}]`

func fakeSuite(mode string) int {
	var dir string
	for _, a := range os.Args {
		if v, ok := strings.CutPrefix(a, "-report-dir="); ok {
			dir = v
		}
	}
	write := func(status string) {
		run := filepath.Join(dir, "20261128T150405Z-abcdef")
		_ = os.MkdirAll(run, 0o755)
		_ = os.WriteFile(filepath.Join(run, "cucumber.json"), []byte(strings.Replace(fakeCucumber, "%s", status, 1)), 0o644)
		_ = os.WriteFile(filepath.Join(run, "evidence.json"), []byte(`{"scenarios":[{"name":"gap","line":7,"status":"failed",
			"error":"reported 0 gaps","expectations":[{"name":"1 gap","met":false,"observed":"0"}]}]}`), 0o644)
	}
	switch mode {
	case "pass":
		write("passed")
		return 0
	case "fail":
		write("failed")
		return 1
	case "gate":
		write("passed")
		return 1
	}
	return 2 // "die": no report
}

func TestRunSuite(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	repo := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(repo, "steps"), 0o755))
	tests := []struct {
		mode                  string
		ok                    bool
		exit, passed, skipped int
		failures              int
		errContains, cause    string
	}{
		{"pass", true, 0, 2, 1, 0, "", ""},
		{"fail", false, 1, 1, 1, 1, "", "reported 0 gaps; unmet: 1 gap (observed: 0)"},
		{"gate", false, 1, 2, 1, 0, "exit code 1 with no failed scenario", ""},
		{"die", false, 2, 0, 0, 0, "no report written (exit code 2): the run died", ""},
	}
	for i, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			dir := filepath.Join(t.TempDir(), "embedded-01")
			r := RunSuite(ctx, self, "embedded", i+1, dir, Repo(repo), Env(envFakeSuite+"="+tc.mode))
			require.Equal(t, tc.ok, r.OK(), "%+v", r)
			require.Equal(t, tc.exit, r.ExitCode)
			require.Equal(t, tc.passed, r.Passed)
			require.Equal(t, tc.skipped, r.Skipped)
			require.Len(t, r.Failures, tc.failures)
			require.Contains(t, r.Err, tc.errContains)
			if tc.cause != "" {
				require.Equal(t, tc.cause, r.Failures[0].Cause)
				require.Equal(t, "Sequence integrity", r.Failures[0].Feature)
			}
			require.FileExists(t, r.Log)
		})
	}
}
