package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/dashstream/acceptance/system/tools"
)

// dashflowPrograms maps the DashFlow images to the programs `make sut-dashflow` builds
// into the bin folder's dashflow/bin.
var dashflowPrograms = map[string]string{
	"dashflow-websocket-server":    "websocket_server",
	"dashflow-prometheus-exporter": "prometheus-exporter",
}

// neededLibs returns the shared libraries (and the dynamic loader) ldd says objects need,
// leaving out the names in provided (libraries that come with the objects themselves).
func neededLibs(ctx context.Context, objects []string, provided map[string]bool) (map[string]bool, error) {
	needed := map[string]bool{}
	for _, o := range objects {
		out, err := exec.CommandContext(ctx, "ldd", o).CombinedOutput()
		if err != nil && bytes.Contains(out, []byte("not a dynamic executable")) {
			continue
		}
		libs, missing := parseLdd(out)
		for _, m := range missing {
			if !provided[m] {
				return nil, fmt.Errorf("ldd %s: %s not found on this machine", o, m)
			}
		}
		for _, l := range libs {
			needed[l] = true
		}
	}
	return needed, nil
}

// stageNative copies a dynamically linked program to dir/<its name> and the shared
// libraries it needs into dir/rootfs at their absolute paths.
func stageNative(ctx context.Context, dir, program string) error {
	if err := copyFile(program, filepath.Join(dir, filepath.Base(program)), 0o755); err != nil {
		return err
	}
	libs, err := neededLibs(ctx, []string{program}, nil)
	if err != nil {
		return err
	}
	if len(libs) == 0 {
		return fmt.Errorf("ldd found no shared libraries for %s: is ldd installed?", program)
	}
	for l := range libs {
		if err := copyFile(l, filepath.Join(dir, "rootfs", l), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// stageRedis stages this machine's redis-server (Debian: apt-get install -y
// redis-server) and an empty /data; the version is redis-server's own.
func stageRedis(ctx context.Context, dir string) (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redis-server is not installed (Debian: apt-get install -y redis-server; `make deps` does it): %w", err)
	}
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", bin, err)
	}
	version, ok := redisVersion(string(out))
	if !ok {
		return "", fmt.Errorf("%s --version printed no v=<version>: %q", bin, out)
	}
	if err := stageNative(ctx, dir, bin); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return "", fmt.Errorf("stage: %w", err)
	}
	return version, nil
}

// redisVersion reads the version out of `redis-server --version` ("Redis server
// v=7.0.15 sha=...").
func redisVersion(out string) (string, bool) {
	for f := range strings.FieldsSeq(out) {
		if v, ok := strings.CutPrefix(f, "v="); ok && v != "" {
			return v, true
		}
	}
	return "", false
}

// stageDashflow stages one of DashFlow's programs as `make sut-dashflow` built it; the
// version is the build's (dashflow/VERSION: "dashflow 1.11.3 (dTOOL 1389e20c36e0)").
func stageDashflow(ctx context.Context, name, dir string) (string, error) {
	bin, err := tools.BinDir()
	if err != nil {
		return "", err
	}
	program := filepath.Join(bin, "dashflow", "bin", dashflowPrograms[name])
	if _, err := os.Stat(program); err != nil {
		return "", fmt.Errorf("%s is not built: make sut-dashflow DASHFLOW_SRC=<a dropbox/dTOOL checkout> first: %w", program, err)
	}
	b, err := os.ReadFile(filepath.Join(bin, "dashflow", "VERSION"))
	if err != nil {
		return "", fmt.Errorf("the DashFlow build has no VERSION (rebuild with make sut-dashflow): %w", err)
	}
	version := strings.TrimPrefix(strings.TrimSpace(string(b)), "dashflow ")
	return version, stageNative(ctx, dir, program)
}
