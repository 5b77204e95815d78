package tools

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// helperEnv makes the test binary act as a second process calling Ensure.
const helperEnv = "DASHSTREAM_TOOLS_HELPER_DIR"

func installCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPins(t *testing.T) {
	require.Equal(t, []string{"prometheus", "promtool", "alertmanager", "amtool"}, Names())
	_, err := Lookup("grafana")
	require.ErrorIs(t, err, ErrUnknownTool)
	require.Equal(t, "prometheus 3.16.0 (github.com/prometheus/prometheus@v0.316.0)", Version("prometheus"))
	require.Equal(t, "amtool 0.31.1 (github.com/prometheus/alertmanager@v0.31.1)", Version("amtool"))
	require.Empty(t, Version("grafana"))
}

func TestBinDirOverride(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvBinDir, dir)
	got, err := BinDir()
	require.NoError(t, err)
	require.Equal(t, dir, got)

	t.Setenv(EnvBinDir, "")
	root, err := RepoRoot()
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	got, err = BinDir()
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, ".bin"), got)
}

// TestHelperEnsure is not a test: it is the second process of TestEnsureConcurrent.
func TestHelperEnsure(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	in, err := New(InDir(dir))
	require.NoError(t, err)
	_, err = in.Ensure(installCtx(t), "amtool")
	require.NoError(t, err)
}

// TestEnsureConcurrent installs amtool (the cheapest tool) into an empty directory from
// two goroutines and two other processes at once: exactly one of them builds it.
func TestEnsureConcurrent(t *testing.T) {
	ctx := installCtx(t)
	dir := t.TempDir()
	var logs syncBuffer
	var wg sync.WaitGroup
	paths := make([]string, 2)
	errs := make([]error, 2)
	for i := range paths {
		wg.Go(func() {
			in, err := New(InDir(dir), LogTo(&logs))
			if err == nil {
				paths[i], err = in.Ensure(ctx, "amtool")
			}
			errs[i] = err
		})
	}
	var procs []*exec.Cmd
	for range 2 {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperEnsure$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		require.NoError(t, cmd.Start())
		procs = append(procs, cmd)
	}
	wg.Wait()
	for _, cmd := range procs {
		require.NoError(t, cmd.Wait(), logs.String())
	}
	for i := range paths {
		require.NoError(t, errs[i])
		require.Equal(t, filepath.Join(dir, "amtool"), paths[i])
	}
	require.Equal(t, 1, strings.Count(logs.String(), "installing amtool 0.31.1 ("), logs.String())
	out, err := exec.CommandContext(ctx, paths[0], "--version").CombinedOutput()
	require.NoError(t, err)
	require.Contains(t, string(out), "0.31.1")

	// A changed pin (here: a stamp from another pin) triggers a reinstall.
	stamp := filepath.Join(dir, ".amtool.stamp")
	require.NoError(t, os.WriteFile(stamp, []byte("github.com/prometheus/alertmanager/cmd/amtool@v0.30.0 tags=[]\nold\n"), 0o644))
	var relog syncBuffer
	in, err := New(InDir(dir), LogTo(&relog))
	require.NoError(t, err)
	_, err = in.Ensure(ctx, "amtool")
	require.NoError(t, err)
	require.Contains(t, relog.String(), "installing amtool 0.31.1 (pin changed")
	require.Contains(t, in.Installed("amtool"), "amtool, version 0.31.1")

	// Installed and fresh: no output, no work.
	var quiet syncBuffer
	in, err = New(InDir(dir), LogTo(&quiet))
	require.NoError(t, err)
	_, err = in.Ensure(ctx, "amtool")
	require.NoError(t, err)
	require.Empty(t, quiet.String())
}

func TestEnsureGivesUpWaitingForLock(t *testing.T) {
	dir := t.TempDir()
	held, err := lockFile(context.Background(), filepath.Join(dir, ".amtool.lock"), nil)
	require.NoError(t, err)
	t.Cleanup(held.unlock)
	var logs syncBuffer
	in, err := New(InDir(dir), LogTo(&logs))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = in.Ensure(ctx, "amtool")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "another install is still running")
	require.Contains(t, logs.String(), "waiting for another process installing amtool")
}

// TestEnsureRepoTools installs (or finds) every pinned tool in the repository's .bin and
// runs it.
func TestEnsureRepoTools(t *testing.T) {
	ctx := installCtx(t)
	for _, name := range Names() {
		path, err := Ensure(ctx, name)
		require.NoError(t, err)
		out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
		require.NoError(t, err, string(out))
		p, _ := Lookup(name)
		require.Contains(t, string(out), p.Release, name)
	}
}
