// Command dssoak is the reliability soak of the acceptance harness (make soak): it runs
// the acceptance suite many times in a row, fuzzes the parsers, checks that runs leave
// nothing behind, folds in the WebSocket and delivery soaks, prints a summary table and
// writes it as JSON. It exits 1 on any flake, crash or leak, 2 on a usage error.
//
//	dssoak [-phases flakes,fuzz,leaks,ws,delivery] [-embedded-runs N] [-local-runs M]
//	       [-fuzztime D] [-out reports/soak] [-v]
//
// Environment defaults: SOAK_EMBEDDED_RUNS (20), SOAK_LOCAL_RUNS (5), SOAK_LOCAL_BROKERS
// (1), SOAK_FUZZTIME (5m per target; "Nx" for a count), SOAK_WS_DURATION and
// SOAK_DELIVERY_DURATION (the programs' own defaults when empty), SOAK_PHASES.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/soak"
	"github.com/dashstream/acceptance/system/tools"
)

var allPhases = []string{"flakes", "fuzz", "leaks", "ws", "delivery"}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func main() {
	phasesFlag := flag.String("phases", envOr("SOAK_PHASES", strings.Join(allPhases, ",")), "phases to run, comma-separated: "+strings.Join(allPhases, ","))
	embedded := flag.Int("embedded-runs", envInt("SOAK_EMBEDDED_RUNS", 20), "runs of the full suite on the embedded stack")
	local := flag.Int("local-runs", envInt("SOAK_LOCAL_RUNS", 5), "runs of the full suite on the local stack (real Kafka), each followed by the @multi-broker scenarios on 3 brokers")
	localBrokers := flag.Int("local-brokers", envInt("SOAK_LOCAL_BROKERS", 1), "brokers of the local stack (1 or 3); with 3, no separate @multi-broker pass")
	fuzztime := flag.String("fuzztime", envOr("SOAK_FUZZTIME", "5m"), "fuzz budget per target: a duration or Nx executions")
	wsDur := flag.String("ws-duration", os.Getenv("SOAK_WS_DURATION"), "-duration passed to soak/wsload (empty: its default)")
	deliveryDur := flag.String("delivery-duration", os.Getenv("SOAK_DELIVERY_DURATION"), "-duration passed to soak/delivery (empty: its default)")
	out := flag.String("out", "", "where the summary JSON and the run folders go (default <repo>/reports/soak)")
	verbose := flag.Bool("v", false, "stream every child's output")
	flag.Parse()

	phases, err := parsePhases(*phasesFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dssoak:", err)
		os.Exit(2)
	}
	root, err := tools.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dssoak:", err)
		os.Exit(2)
	}
	if *out == "" {
		*out = filepath.Join(root, "reports", "soak")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s := &soak.Summary{Started: time.Now().UTC(), Phases: phases, Machine: soak.Machine{LoadStart: soak.LoadAvg(), Others: others()}}
	work := filepath.Join(*out, s.Started.Format("20060102T150405Z"))
	var logw io.Writer = io.Discard
	if *verbose {
		logw = os.Stdout
	}
	r := &runner{ctx: ctx, root: root, work: work, opts: []soak.Opt{soak.Repo(root), soak.Log(logw)}}
	for _, p := range phases {
		if ctx.Err() != nil {
			break
		}
		switch p {
		case "flakes":
			r.flakes(s, *embedded, *local, *localBrokers)
		case "fuzz":
			r.fuzz(s, *fuzztime)
		case "leaks":
			r.say("leaks: go test -run TestSuiteLeavesNothing ./soak (minutes)")
			l := soak.RunLeakTest(ctx, filepath.Join(work, "leaks.log"), filepath.Join(work, "leaks.json"), r.opts...)
			s.Leaks = &l
		case "ws":
			opts := r.opts
			if *wsDur != "" {
				opts = append(opts, soak.Args("-duration", *wsDur))
			}
			r.say("ws: ./soak/cmd/dswsload")
			e := soak.RunExternal(ctx, "ws", "./soak/cmd/dswsload", filepath.Join(work, "wsload.json"), filepath.Join(work, "wsload.log"), opts...)
			s.WS = &e
		case "delivery":
			opts := r.opts
			if *deliveryDur != "" {
				opts = append(opts, soak.Args("-duration", *deliveryDur))
			}
			r.say("delivery: ./soak/cmd/dsdelivery")
			e := soak.RunExternal(ctx, "delivery", "./soak/cmd/dsdelivery", filepath.Join(work, "delivery.json"), filepath.Join(work, "delivery.log"), opts...)
			s.Delivery = &e
		}
	}
	s.Finish()
	if ctx.Err() != nil {
		s.Failures = append(s.Failures, "interrupted: the soak did not finish")
	}
	fmt.Println()
	soak.PrintTable(os.Stdout, s)
	path, err := soak.WriteJSON(*out, s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dssoak:", err)
		os.Exit(1)
	}
	fmt.Println("summary:", path)
	if !s.OK() {
		os.Exit(1)
	}
}

func parsePhases(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		known := false
		for _, a := range allPhases {
			known = known || a == p
		}
		if !known {
			return nil, fmt.Errorf("unknown phase %q: use some of %s", p, strings.Join(allPhases, ","))
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no phase selected: use some of %s", strings.Join(allPhases, ","))
	}
	return out, nil
}

// others lists the harness processes (and test binaries) alive before the soak starts:
// the machine is shared, and they explain noisy timings.
func others() []string {
	procs, err := soak.Processes()
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range procs {
		if p.PID != os.Getpid() && (soak.IsHarnessProcess(p.Cmdline) || strings.Contains(p.Cmdline, ".test ") || strings.HasPrefix(p.Cmdline, "go test")) {
			out = append(out, p.String())
		}
	}
	return out
}
