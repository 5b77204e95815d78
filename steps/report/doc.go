// Package report turns an evidence.Run into the files a release manager attaches to a
// release, and prints the terminal summary.
//
// Write(root, run, cucumberJSON, junitXML) publishes root/<run-id>/ with:
//
//	evidence.json  the Run as recorded (package evidence's JSON)
//	report.md      gate verdict, counts, versions, scenario table, failures, skips
//	report.html    one self-contained page: verdict banner, versions, per-scenario
//	               timeline (inline SVG), expectations, BEFORE/AFTER evidence, logs
//	cucumber.json  godog's cucumber output, byte for byte (when given)
//	junit.xml      godog's junit output, byte for byte (when given)
//	SHA256SUMS     sha256sum format over every other file; check with VerifyManifest
//	               or `sha256sum -c SHA256SUMS` in that directory
//
// Contract:
//   - The directory appears complete or not at all: files are written to a temporary
//     sibling and renamed into place. An existing directory for the run is never
//     overwritten (ErrExists): run IDs are unique.
//   - Write first merges cucumberJSON into run (evidence.Run.Reconcile), so Summary and
//     the files agree with godog on every scenario's status.
//   - The gate is evidence.Run.Passed: failed, undefined, pending, ambiguous or missing
//     statuses fail it; skipped scenarios pass it and are listed with their reason.
//   - report.html fetches nothing: inline CSS and SVG, a Content-Security-Policy that
//     forbids network loads, and works without JavaScript (a few lines of inline script
//     only add "expand all"). Every recorded string is escaped by html/template; in
//     report.md recorded text is escaped for Markdown and inline HTML.
//   - VerifyManifest fails (ErrManifest) on a changed, missing or unlisted file.
//
// Trap: Write reads a snapshot of the run; call it after the suite ended (run.Finish),
// or scenarios still running are reported without a status, which fails the gate.
package report
