package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"

	"github.com/dashstream/acceptance/system/tools"
)

type result struct {
	once sync.Once
	path string
	err  error
}

var built sync.Map // package path → *result

// Binary builds the main package pkg, given relative to the repository root
// ("./reference/cmd/dashstream-exporter"), and returns the path of the executable.
func Binary(ctx context.Context, pkg string) (string, error) {
	v, _ := built.LoadOrStore(pkg, &result{})
	r := v.(*result)
	r.once.Do(func() { r.path, r.err = compile(ctx, pkg) })
	return r.path, r.err
}

func compile(ctx context.Context, pkg string) (string, error) {
	root, err := tools.RepoRoot()
	if err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	// Under this checkout's own .bin, never DASHSTREAM_BIN_DIR: a copy of the repository
	// (the gate self-test's mutants) must not overwrite the binaries of another.
	dir := filepath.Join(root, ".bin", "repo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	out := filepath.Join(dir, path.Base(pkg))
	tmp, err := os.CreateTemp(dir, path.Base(pkg)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp.Name(), pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w: %s", pkg, err, stderr.String())
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	return out, nil
}
