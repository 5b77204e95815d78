package tools

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvBinDir names the environment variable that overrides the bin directory.
const EnvBinDir = "DASHSTREAM_BIN_DIR"

// ErrNoRepoRoot is returned when no go.mod is found above the working directory and
// DASHSTREAM_BIN_DIR is not set.
var ErrNoRepoRoot = errors.New("no go.mod found above the working directory")

// RepoRoot returns the first directory at or above the working directory that holds a
// go.mod file.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("repo root: %w; run inside the repository or set %s", ErrNoRepoRoot, EnvBinDir)
		}
		dir = parent
	}
}

// BinDir returns the directory the tools are installed into: $DASHSTREAM_BIN_DIR when
// set, else `<repo root>/.bin`. It does not create the directory.
func BinDir() (string, error) {
	if d := os.Getenv(EnvBinDir); d != "" {
		return filepath.Abs(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("bin dir: %w", err)
	}
	return filepath.Join(root, ".bin"), nil
}
