// Package steps binds the Gherkin features in features/ to the harness: godog step
// definitions, the per-scenario World, and the suite that opens a stack, records
// evidence and writes the report.
//
// Run it through go test (the release gate):
//
//	go test ./steps -run TestFeatures -v -args -stack=embedded [-report-dir=reports] [feature paths]
//
// godog's own flags are available with the "godog." prefix: -godog.tags='@alerting',
// -godog.random=SEED, -godog.concurrency=N, -godog.format=pretty. The godog CLI works too,
// from this folder (InitializeTestSuite): cd steps && godog run ../features/x.feature.
//
// Contract:
//   - State is per scenario (World, kept in the context), never in package globals; each
//     scenario has its own topics, tenants and consumer groups, so scenarios may share a
//     stack and run concurrently (4 at a time, 8 on the embedded stack). Scenarios tagged
//     @destructive break their broker: on a stack with stack.PrivateKafka (embedded) each
//     gets a cluster of its own and runs with the others; elsewhere they run alone.
//   - A step that needs a capability the stack lacks skips the scenario with the reason,
//     which the report lists.
//   - Every fault a scenario injects, every service and monitoring stack it starts is
//     undone in the scenario's After hook, also when a step failed; SIGINT and SIGTERM
//     kill every child process and close the stack before the process exits.
//   - Timing assertions are expectations with a deadline ("within 10 seconds"): they poll
//     a real signal and record when it was observed, or what was last seen when it was not.
//   - The run writes reports/<run-id>/ (package steps/report), and TestFeatures fails when
//     the gate is not PASS: FAIL (a failed, undefined, pending or ambiguous scenario, or no
//     scenario) or INCOMPLETE (a skip the stack's release profile, package steps/release,
//     does not declare). The test binary then exits 1 or 3 (TestMain).
//   - godog's output goes through a writer that prints its scenario count the gate's way.
package steps
