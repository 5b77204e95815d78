// Package measurecmd is the shared skeleton of the soak measuring commands (soak/wsload,
// soak/delivery): parse flags, measure, print a human summary, write the figures as JSON,
// and exit with a code the soak runner understands.
//
// Exit codes (ExitOK, ExitInvariant, ExitSetup): 0 every invariant held; 1 an invariant
// is broken (a figure merely missing a goal is never one); 2 the run could not be made
// (bad flags, infrastructure that did not start). With -json, a run that could not be made
// still writes JSON, with the reason in its "error" field, so the runner can fold it in.
package measurecmd
