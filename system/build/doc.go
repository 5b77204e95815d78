// Package build compiles the repository's own main packages (the reference services, the
// dskfake broker) into the checkout's git-ignored `.bin/repo/`, so the harness runs them
// as real child processes. Unlike the upstream tools (system/tools), they never go to
// DASHSTREAM_BIN_DIR: each checkout builds its own.
//
// Binary builds each package at most once per process; go's build cache makes the first
// build of an unchanged package cheap. The output is written to a temporary file and
// renamed into place, so concurrent test processes never see a half-written binary.
package build
