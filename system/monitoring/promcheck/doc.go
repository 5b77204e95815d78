// Package promcheck runs the upstream checkers, promtool and amtool (installed by
// system/tools), on rule files, rule unit tests and configurations, and asks amtool which
// receivers a label set is routed to.
//
// Every function returns the tool's combined output; when the tool exits non-zero the
// error wraps ErrCheckFailed and carries that output, so a test failure shows what
// promtool or amtool said.
//
// Trap: promtool resolves a unit-test file's rule_files relative to the test file, and
// amtool reads only the configuration file: secrets files (routing_key_file,
// api_url_file) need not exist for check-config or routing tests.
package promcheck
