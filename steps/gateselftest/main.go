// Command gateselftest proves the release gate: it puts each mutant of
// steps/gateselftest/mutants/*.yml (a defect behind a promise of the pipeline) into a
// temporary copy of the repository, builds it, runs the scenarios that guard the promise
// and counts a kill only when the guarding scenario fails at the guarding step. See package
// selftest for the file format and the verdicts.
//
//	go run ./steps/gateselftest [-stack embedded] [-only name,name] [-family incidents] [-list]
//
// It writes reports/gate-selftest/<UTC>/report.md and report.json. Exit status: 0 when
// every selected mutant was killed by its guarding scenario, 1 otherwise, 2 on bad input.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/steps/gateselftest/selftest"
	"github.com/dashstream/acceptance/system/tools"
)

func main() {
	stackName := flag.String("stack", "embedded", "stack the scenarios run on")
	only := flag.String("only", "", "comma-separated mutant names to run (default: all)")
	family := flag.String("family", "", "comma-separated mutant files to run, without .yml (default: all)")
	list := flag.Bool("list", false, "list the mutants and exit")
	timeout := flag.Duration("timeout", 15*time.Minute, "bound on each build and each suite run")
	stackOnly := flag.Bool("stack-only", false, "only the mutants that change code of -stack's own (those a run on another stack leaves out)")
	workers := flag.Int("workers", 3, "mutants run at once, each in a copy of its own (their scenarios mostly wait)")
	flag.Parse()
	root, err := tools.RepoRoot()
	if err != nil {
		fail(err)
	}
	mutants, err := selftest.Load(root, filepath.Join(root, "steps", "gateselftest", "mutants"))
	if err != nil {
		fail(err)
	}
	mutants, err = pick(mutants, *only, *family)
	if err != nil {
		fail(err)
	}
	if *list {
		for _, m := range mutants {
			fmt.Printf("%-40s %-12s %s\n", m.Name, m.Family, m.Promise)
		}
		return
	}
	if mutants = onStack(mutants, *stackName, *stackOnly); len(mutants) == 0 {
		fail(fmt.Errorf("no selected mutant runs on the %s stack: pass -stack with the stack its 'stack:' names", *stackName))
	}
	if *workers < 1 || *workers > 16 {
		fail(fmt.Errorf("-workers %d: use 1 to 16", *workers))
	}
	os.Exit(run(root, *stackName, *timeout, *workers, mutants))
}

// run proves the gate with the mutants and returns the exit status; the copies are removed
// before it returns (os.Exit would skip deferred removals).
func run(root, stackName string, timeout time.Duration, workers int, mutants []selftest.Mutant) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &selftest.Runner{Root: root, Stack: stackName, Timeout: timeout, Log: os.Stderr, Workers: workers}
	defer r.Close()
	if err := r.Prepare(); err != nil {
		fmt.Fprintln(os.Stderr, "gateselftest:", err)
		return 2
	}
	rep, err := r.Run(ctx, mutants)
	if len(rep.Outcomes) > 0 {
		fmt.Print(rep.Table())
		if dir, werr := rep.Write(filepath.Join(root, "reports", "gate-selftest")); werr == nil {
			fmt.Println("report:", filepath.Join(dir, "report.md"))
		} else {
			fmt.Fprintln(os.Stderr, werr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateselftest:", err)
		return 1
	}
	if !rep.Passed() {
		return 1
	}
	return 0
}

// pick keeps the mutants named by only and in the families named by family.
func pick(all []selftest.Mutant, only, family string) ([]selftest.Mutant, error) {
	names, fams := split(only), split(family)
	var out []selftest.Mutant
	for _, m := range all {
		if (len(names) == 0 || slices.Contains(names, m.Name)) && (len(fams) == 0 || slices.Contains(fams, m.Family)) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no mutant matches -only %q -family %q: see -list", only, family)
	}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(m selftest.Mutant) bool { return m.Name == n }) {
			return nil, fmt.Errorf("no mutant is named %q: see -list", n)
		}
	}
	return out, nil
}

// onStack keeps the mutants that run on the named stack (with stackOnly, only those that
// change code of that stack's own) and notes each one left out for another stack.
func onStack(ms []selftest.Mutant, stackName string, stackOnly bool) []selftest.Mutant {
	var out []selftest.Mutant
	for _, m := range ms {
		if stackOnly && m.Stack != stackName {
			continue
		}
		if m.OnStack(stackName) {
			out = append(out, m)
			continue
		}
		fmt.Fprintf(os.Stderr, "gateselftest: %s left out: it changes code of the %s stack only (run with -stack %s)\n", m.Name, m.Stack, m.Stack)
	}
	return out
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gateselftest:", err)
	os.Exit(2)
}
