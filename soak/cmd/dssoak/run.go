package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dashstream/acceptance/soak"
)

// runner runs the phases and prints one progress line per child.
type runner struct {
	ctx  context.Context
	root string
	work string
	opts []soak.Opt
}

func (r *runner) say(format string, args ...any) {
	fmt.Printf("%s soak: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// flakes builds the suite once and runs it on the embedded and the local stack, never
// retrying.
func (r *runner) flakes(s *soak.Summary, embedded, local, localBrokers int) {
	bin := filepath.Join(r.work, "steps.test")
	r.say("flakes: building the suite (go test -c ./steps)")
	if err := soak.BuildSuite(r.ctx, bin, r.opts...); err != nil {
		s.Runs = append(s.Runs, soak.SuiteRun{Stack: "build", ExitCode: -1, Err: err.Error()})
		return
	}
	// A local run is what make acceptance-local runs: the suite on localBrokers brokers,
	// then (with one broker) the @multi-broker scenarios on three.
	type pass struct {
		label, stack string
		args         []string
	}
	plan := []struct {
		n      int
		passes []pass
	}{
		{embedded, []pass{{"embedded", "embedded", nil}}},
		{local, []pass{{"local", "local", []string{"-brokers=" + fmt.Sprint(localBrokers)}}}},
	}
	if localBrokers == 1 {
		plan[1].passes = append(plan[1].passes, pass{"local-3brokers", "local", []string{"-brokers=3", "-godog.tags=@multi-broker"}})
	}
	for _, p := range plan {
		for i := 1; i <= p.n && r.ctx.Err() == nil; i++ {
			for _, ps := range p.passes {
				dir := filepath.Join(r.work, "runs", fmt.Sprintf("%s-%02d", ps.label, i))
				r.say("flakes: %s run %d/%d", ps.label, i, p.n)
				run := soak.RunSuite(r.ctx, bin, ps.stack, i, dir, append(r.opts, soak.Args(ps.args...))...)
				run.Stack = ps.label
				r.say("flakes: %s run %d: exit %d, %d scenarios, %d passed, %d skipped, %d failed in %.0f s %s",
					ps.label, i, run.ExitCode, run.Scenarios, run.Passed, run.Skipped, len(run.Failures), run.Seconds, run.Err)
				s.Runs = append(s.Runs, run)
			}
		}
	}
}

// fuzz runs every default fuzz target for budget, one after the other.
func (r *runner) fuzz(s *soak.Summary, budget string) {
	for _, t := range soak.DefaultFuzzTargets {
		if r.ctx.Err() != nil {
			return
		}
		r.say("fuzz: %s %s for %s", t.Package, t.Name, budget)
		res := soak.RunFuzz(r.ctx, t, budget, filepath.Join(r.work, "fuzz-"+t.Name+".log"), r.opts...)
		r.say("fuzz: %s: %d execs in %.0f s, %d crasher(s) %s", t.Name, res.Execs, res.Seconds, len(res.Crashers), res.Err)
		s.Fuzz = append(s.Fuzz, res)
	}
}
