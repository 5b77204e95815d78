// Package soak gathers reliability evidence for the harness itself: flaky scenarios,
// fuzzing crashes and leaks. Its command, soak/cmd/dssoak (make soak), runs the phases
// and writes the summary; this package holds the runners, the parsers and the leak check.
//
// Phases (dssoak -phases flakes,fuzz,leaks,ws,delivery):
//   - flakes: BuildSuite compiles the acceptance suite once (go test -c ./steps); RunSuite
//     runs it on a stack with its own -report-dir and reads the run's cucumber.json
//     (ParseCucumber) and evidence.json (Causes). Never retried: a run that dies without a
//     report is a failure, so is a non-zero exit with every scenario passed.
//   - fuzz: RunFuzz runs go test -fuzz on each of DefaultFuzzTargets for a budget and
//     parses the executions and the crashers (ParseFuzzOutput). A crasher Go writes to
//     PKG/testdata/fuzz/NAME/ is a regression test from then on: it is reported, never
//     deleted.
//   - leaks: RunLeakTest runs TestSuiteLeavesNothing (this package; skipped with -short)
//     with go test -json and reads per mode what was left from $SOAK_LEAKS_JSON.
//   - ws, delivery: RunExternal runs go run ./soak/cmd/dswsload -json FILE and go run
//     ./soak/cmd/dsdelivery -json FILE (non-zero exit = an invariant broken) and folds
//     their JSON in verbatim. A program that is missing or writes no JSON is a failure:
//     a phase that did not run never passes.
//
// Summary.Finish turns the results into Failures (any failed scenario, dead run, crasher,
// fuzz error, leak, failed ws or delivery program: dssoak exits 1) and Warnings (fuzz total
// below FuzzGoal, 10 million executions; a program missing). WriteJSON writes
// reports/soak/<UTC timestamp>.json and latest.json; the runs' report folders and logs
// are in reports/soak/<UTC timestamp>/.
//
// Leak check (TakeSnapshot, Leftovers): before and after a child run, the process table
// (/proc), the listening TCP sockets (/proc/net/tcp and tcp6, state 0A) and, when a Docker
// daemon answers on DOCKER_HOST or /var/run/docker.sock, the containers labelled
// dashstream.acceptance. A process is the run's when its environment holds the run's
// marker (the child's unique TMPDIR, which system/proc passes to every child, isolated
// or not), its parent chain reaches the child or its process group is the child's.
//
// Traps:
//   - The machine is shared. A new harness-looking process (dskfake, Kafka's JVM,
//     Prometheus, Alertmanager, .bin/repo/*) or listening port whose owner has a live
//     parent outside the run belongs to someone else: it is listed in Leaks.Foreign and
//     not counted. A new orphan of that kind is counted, whoever made it.
//   - Processes killed by Pdeathsig die a moment after their parent: the leak test
//     re-reads the machine for up to 15 s after the child ended before it judges.
//   - The interrupted mode sends SIGINT once the fault is observed: a process of the run
//     stopped (state T, the frozen broker), or a "fault injected" line in the child's
//     output (the steps print none yet: .briefs/patches/soak-fault-injected-line.diff).
//     The step's own line is no signal: godog's pretty formatter prints it when the step
//     ENDED (concurrency 1), or the whole scenario at its end (concurrency > 1), i.e.
//     after the outage was undone.
//   - go test -fuzz minimizes every new interesting input for up to -fuzzminimizetime
//     (Go's default 60 s) and counts no execution meanwhile: FuzzValidateTenant sat at
//     0 execs/s for most of a 15 s budget. RunFuzz passes DefaultFuzzMinimizeTime (100x).
//   - The rate depends on the machine and its load. Budget by time (SOAK_FUZZTIME=5m) or
//     by count ("2000000x", bounded by the runner's Timeout, 30 minutes by default).
package soak
