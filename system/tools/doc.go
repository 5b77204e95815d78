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
//     discovery out (cold build about 3 min instead of 7 on 2 cores). Scrape configs may
//     use static_configs and file_sd_configs only. promtool is built with the same tags.
//   - Alertmanager v0.35.0 does not build with go install (its web assets are not in the
//     module); v0.31.1 does. Do not raise the pin without trying `make tools`.
//   - The first Ensure of prometheus takes minutes; give its ctx a deadline of 15 min or
//     more. Later calls take milliseconds.
//   - Builds run with CGO_ENABLED=0 and GOWORK=off, GOFLAGS=-buildvcs=false.
package tools
