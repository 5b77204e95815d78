// Package release loads release profiles: for each stack, the capabilities a run on it
// accepts not to cover, and why. A profile is data, fixtures/release/<stack>.yml:
//
//	accepts:
//	  - capability: multi-broker
//	    why: the embedded stack runs one kfake broker; BROKERS=3 on local covers it.
//
// The gate (evidence.Run.Verdict) is PASS only when every selected scenario ran and passed
// or was skipped solely for capabilities its profile accepts; any other skip makes the run
// INCOMPLETE. A stack without a profile file accepts nothing.
//
// Rules: every capability must be one stack.Known names, listed once, with a why of its
// own; an unknown key, capability or an empty why is an error that names the file and the
// entry. Traps: a profile is a promise to a release manager; keep it as short as the stack
// allows, and never list a capability to make a flaky scenario go away.
package release
