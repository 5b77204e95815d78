// Package profile derives the fast (test) profiles of the monitoring configuration from the
// production files, so that the two cannot drift: the end-to-end scenarios run the very
// rules and routes a user deploys, only faster.
//
// The transformation (Profile.Duration) is one documented, deterministic rule:
//
//	d == 0            -> 0
//	d > 0             -> max(floor, ceil(d / Divisor) rounded up to whole seconds)
//
// With Fast (Divisor 60) and the 1 s scrape and evaluation interval of the scenarios:
//
//   - Rules: every `for:` and `keep_firing_for:` (floor MinFor = 1 s) and every range
//     selector `[d]` and subquery `[d:r]` in `expr:` (floor MinWindow = 4 s, i.e. four
//     scrapes, so rate() always sees at least two samples). So `for: 5m` becomes `for: 5s`,
//     `[5m]` becomes `[5s]`, `for: 10m` becomes `for: 10s`. Nothing else changes: names,
//     expressions outside the brackets, thresholds, labels and annotations are kept
//     byte for byte (annotations that say "5 minutes" still say so).
//   - Alertmanager: group_wait, group_interval and repeat_interval of every route
//     (floor MinTiming = 1 s): 30s -> 1s, 5m -> 5s, 4h -> 4m. Every receiver keeps its name
//     and loses its integrations, which are replaced by one webhook (send_resolved: true)
//     at the URL the caller gives for that name. Matchers, group_by, continue, the route
//     tree, inhibit rules and global settings are kept.
//
// Traps:
//   - Expressions with `offset` or `@` are refused (ErrUnsupported): scaling a window but
//     not its offset would silently change what the rule means.
//   - A bracket the rewriter does not understand (duration arithmetic such as [5m+1m]) is
//     refused too, rather than left at its production length.
//   - Comments are kept; formatting is re-emitted by yaml.v3 (2-space indent).
package profile
