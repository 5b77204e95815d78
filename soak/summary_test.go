package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSummaryFinish(t *testing.T) {
	gap := ScenarioResult{Feature: "Sequence integrity", Name: "gap", Status: "failed", Error: "step: boom", Cause: "unmet: gap"}
	tests := []struct {
		name      string
		s         Summary
		ok        bool
		failures  []string
		warnings  int
		flakes    int
		fuzzExecs int64
	}{
		{"all clean", Summary{
			Runs: []SuiteRun{{Stack: "embedded", Index: 1, Scenarios: 3, Passed: 3}},
			Fuzz: []FuzzResult{{FuzzTarget: FuzzTarget{Name: "FuzzDecode"}, Execs: 6_000_000}, {FuzzTarget: FuzzTarget{Name: "FuzzValidator"}, Execs: 4_000_000}},
		}, true, nil, 0, 0, 10_000_000},
		{"a scenario failing twice and a dead run", Summary{
			Runs: []SuiteRun{
				{Stack: "embedded", Index: 1, Failures: []ScenarioResult{gap}},
				{Stack: "embedded", Index: 2, Failures: []ScenarioResult{gap}},
				{Stack: "local", Index: 1, ExitCode: -1, Err: "no report written"},
			},
		}, false, []string{
			`embedded: "gap" (Sequence integrity) failed 2 time(s)`,
			"local run 1: no report written",
		}, 0, 1, 0},
		{"a crasher and the goal missed", Summary{
			Fuzz: []FuzzResult{{FuzzTarget: FuzzTarget{Name: "FuzzDecode"}, Execs: 10, ExitCode: 1, Crashers: []string{"reference/wire/testdata/fuzz/FuzzDecode/ab"}}},
		}, false, []string{"fuzz FuzzDecode crashed: input reference/wire/testdata/fuzz/FuzzDecode/ab (now a regression test)"}, 1, 0, 10},
		{"a leak, a missing program and a broken invariant", Summary{
			Leaks:    &LeakPhase{Log: "leaks.log", Checks: []LeakCheck{{Mode: "a-normal", Passed: true, Leaks: &Leaks{Ports: []string{"tcp x"}}}}},
			WS:       &External{Name: "ws", ExitCode: -1, Missing: "./soak/cmd/dswsload has no Go files: its phase did not run"},
			Delivery: &External{Name: "delivery", ExitCode: 1, Err: "exit code 1", Result: json.RawMessage(`{}`)},
		}, false, []string{"ws: ./soak/cmd/dswsload has no Go files: its phase did not run", "delivery: exit code 1", "leak test failed: see leaks.log"}, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			s.Finish()
			require.Equal(t, tc.ok, s.OK(), "failures: %q", s.Failures)
			require.ElementsMatch(t, tc.failures, s.Failures)
			require.Len(t, s.Warnings, tc.warnings, "%q", s.Warnings)
			require.Len(t, s.Scenarios, tc.flakes)
			require.Equal(t, tc.fuzzExecs, s.FuzzExecs)
			var out bytes.Buffer
			PrintTable(&out, &s)
			if tc.ok {
				require.Contains(t, out.String(), "soak: PASS")
			} else {
				require.Contains(t, out.String(), "soak: FAIL")
			}
		})
	}
}

func TestSummaryFlakeCauses(t *testing.T) {
	s := Summary{Runs: []SuiteRun{{Stack: "embedded", Index: 3, Failures: []ScenarioResult{
		{Feature: "F", Name: "n", Status: "failed", Error: "step error", Cause: "recorded cause"},
		{Feature: "F", Name: "m", Status: "undefined", Error: "no step"},
	}}}}
	s.Finish()
	require.Len(t, s.Scenarios, 2)
	causes := map[string][]string{}
	for _, f := range s.Scenarios {
		causes[f.Name] = f.Causes
		require.Equal(t, []int{3}, f.Runs)
	}
	require.Equal(t, []string{"run 3 (failed): recorded cause"}, causes["n"], "evidence's cause wins")
	require.Equal(t, []string{"run 3 (undefined): no step"}, causes["m"], "the step error when evidence has none")
}

func TestWriteJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "soak")
	s := &Summary{Started: time.Date(2026, 11, 28, 15, 4, 5, 0, time.UTC), Phases: []string{"fuzz"}}
	s.Finish()
	path, err := WriteJSON(dir, s)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "20261128T150405Z.json"), path)
	a, err := os.ReadFile(path)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "latest.json"))
	require.NoError(t, err)
	require.Equal(t, a, b)
	var back Summary
	require.NoError(t, json.Unmarshal(a, &back))
	require.Equal(t, []string{"fuzz"}, back.Phases)
}

func TestRunExternal(t *testing.T) {
	repo := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	work := t.TempDir()

	missing := RunExternal(ctx, "ws", "./soak/wsload", filepath.Join(work, "ws.json"), filepath.Join(work, "ws.log"), Repo(repo))
	require.False(t, missing.OK())
	require.Contains(t, missing.Missing, "has no Go files")
	require.Equal(t, -1, missing.ExitCode)

	// A tiny program in its own module: writes its JSON, and exits 1 when asked to.
	prog := filepath.Join(repo, "prog")
	require.NoError(t, os.MkdirAll(prog, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module example.com/x\n\ngo 1.22\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(prog, "main.go"), []byte(`package main

import ("flag"; "os")

func main() {
	out := flag.String("json", "", "")
	fail := flag.Bool("fail", false, "")
	flag.Parse()
	os.WriteFile(*out, []byte(`+"`"+`{"ok":true,"clients":500,"detail":"fine","nested":{"a":1}}`+"`"+`), 0o644)
	if *fail { os.Exit(1) }
}
`), 0o644))
	tests := []struct {
		name string
		args []string
		ok   bool
		exit int
	}{
		{"passes", nil, true, 0},
		{"invariant broken", []string{"-fail"}, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := RunExternal(ctx, "ws", "./prog", filepath.Join(work, tc.name+".json"), filepath.Join(work, tc.name+".log"),
				Repo(repo), Args(tc.args...), Env("GOFLAGS=-mod=mod", "GOWORK=off"))
			require.Equal(t, tc.ok, e.OK(), "%+v", e)
			require.Equal(t, tc.exit, e.ExitCode)
			require.JSONEq(t, `{"ok":true,"clients":500,"detail":"fine","nested":{"a":1}}`, string(e.Result))
			require.Equal(t, "clients=500 detail=fine ok=true", e.Highlights(8))
			require.Equal(t, "clients=500 ...", e.Highlights(1))
		})
	}
}
