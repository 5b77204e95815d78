// Package tools installs the pinned upstream binaries the harness runs: prometheus,
// promtool, alertmanager and amtool.
//
// Each tool is built from its upstream Go module with `go install module/cmd/name@version`
// on first use and cached in the bin directory: `<repo root>/.bin/` (git-ignored), where the
// repo root is the first directory above the working directory that holds go.mod; the
// environment variable DASHSTREAM_BIN_DIR overrides it. Only the Go toolchain (`go` in
// PATH) and the module proxy are needed.
//
// Contract:
//   - The versions are pinned in one place, the pins table in pins.go. Prometheus v3 is
//     published as module version v0.3xx.y (v0.316.0 is Prometheus 3.16.0).
//   - Ensure is idempotent and safe for concurrent callers in one process and across
//     processes: installs are serialised by an flock(2) on `<bin>/.<name>.lock`, and the
//     binary is moved into place with rename(2) only after `<binary> --version` succeeded.
//   - A stamp file `<bin>/.<name>.stamp` records what was installed (module, version,
//     build tags); a changed pin makes the stamp stale and triggers a reinstall.
//   - Progress lines ("installing prometheus 3.16.0 (first use, takes a few minutes)...")
//     go to stderr, or to the writer given with LogTo.
//
// Traps:
//   - Prometheus is built with the build tag remove_all_sd, which leaves every service
//     discovery out. Scrape configs may use static_configs and file_sd_configs only.
//     promtool is built with the same tags (its check/test commands work).
//   - Alertmanager v0.34.2 and v0.35.0 do not build with go install (ui/app/dist is not in
//     the module); v0.31.1 does. Do not raise the pin without trying `make tools`.
//   - A cold first install (empty module and build caches, 2 cores) took about 8.5 min for
//     prometheus, 1.7 min more for promtool and 1.7 min for alertmanager and amtool; with
//     a warm build cache each takes seconds (link only). `go test` panics after its
//     default -timeout of 10 min: run `make tools` before the tests on a fresh machine,
//     or pass -timeout 30m. Later calls of Ensure take microseconds.
//   - Builds run with CGO_ENABLED=0 and GOWORK=off, GOFLAGS=-buildvcs=false.
package tools
