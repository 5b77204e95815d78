// Package evidence is the data model of one acceptance run and the recorder the steps use
// to fill it: BEFORE, DURING and AFTER evidence per scenario, a fault timeline and timing
// expectations. It knows nothing about godog; package report turns a Run into files.
//
// Model: a Run holds Scenarios; a Scenario holds Evidence items (a named JSON value or
// text captured in a Phase), a Timeline of Events (fault spans, alert firing and
// resolution, recovery, expectation results, notes), Expectations and log excerpts.
//
// Usage:
//
//	run := evidence.NewRun("embedded", seed, evidence.Tags("@chaos"))
//	rec := run.Start(evidence.Meta{ID: pickle.Id, Name: pickle.Name, URI: pickle.Uri})
//	rec.Evidence(evidence.Before, evidence.KindMetric, "consumer_lag", lag)
//	span := rec.FaultStart("broker-1 paused", "SIGSTOP to the broker's process group")
//	defer rec.FaultEnd(span, "SIGCONT")
//	exp := rec.Expect("alert KafkaBrokerDown fires", 90*time.Second)
//	exp.Observed(firedAt, "firing, value 1")
//	rec.End(evidence.StatusPassed, nil)
//	run.Finish()
//
// Contract:
//   - Timestamps are UTC truncated to the millisecond, whatever clock or time is given.
//   - Run and Recorder are safe for concurrent use (godog may run scenarios in parallel);
//     Run.Snapshot returns a deep copy that is safe to read while recording goes on.
//   - A nil *Recorder is valid and records nothing, so code in system/ can call
//     FromContext(ctx).FaultStart(...) whether or not a scenario is recording.
//   - Evidence data is stored as JSON: json.RawMessage and []byte holding valid JSON are
//     kept verbatim, other []byte is kept as text, anything else goes through
//     json.Marshal. A value that cannot be encoded is recorded with its error as text,
//     never dropped and never a panic.
//   - Log excerpts keep the last LogLimit bytes (default 16 KiB), cut at a line start.
//
// Gate rule (Run.Passed): the run fails when any scenario failed, was undefined, pending
// or ambiguous, or never reported a status; skipped scenarios do not fail the gate but are
// listed with their reason. A run with no scenarios does not pass: it proved nothing.
//
// Run.Reconcile merges godog's cucumber JSON into the run (godog is the authority on step
// results; the worse of the two statuses wins) and adds scenarios whose hooks never ran.
//
// Traps: godog's cucumber JSON drops the error a step returns with godog.ErrSkip, so a
// skip reason reaches the report only through Recorder.Skip or End(StatusSkipped, err).
// FaultEnd is safe to call twice and with an unknown span (both are no-ops). A
// fault span still open when the scenario ends is closed by End with a detail saying so,
// which the report shows: an injector that forgot to undo its fault is visible. An
// expectation still open at End is recorded as not met.
package evidence
