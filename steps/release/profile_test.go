package release_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/release"
	"github.com/dashstream/acceptance/system/tools"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, yaml, err string
		n               int
	}{
		{"empty accepts nothing", "", "", 0},
		{"one capability", "accepts:\n  - capability: multi-broker\n    why: one broker here\n", "", 1},
		{"unknown capability", "accepts:\n  - capability: teleport\n    why: no\n", `unknown capability "teleport"`, 0},
		{"no why", "accepts:\n  - capability: multi-broker\n", `has no why`, 0},
		{"twice", "accepts:\n  - {capability: monitoring, why: a}\n  - {capability: monitoring, why: b}\n", "listed twice", 0},
		{"unknown key", "accept:\n  - capability: monitoring\n", "expected 'accepts:'", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := release.Parse([]byte(tt.yaml))
			if tt.err != "" {
				require.ErrorIs(t, err, release.ErrInvalid)
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, p.Accepts, tt.n)
		})
	}
}

// TestShippedProfiles: every profile in fixtures/release parses, and a stack without one
// accepts nothing.
func TestShippedProfiles(t *testing.T) {
	root, err := tools.RepoRoot()
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(root, release.Dir, "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		_, err := release.Load(root, f)
		require.NoError(t, err, f)
	}
	p, err := release.ForStack(root, "no-such-stack")
	require.NoError(t, err)
	require.Empty(t, p.Accepts)
	_, err = os.Stat(filepath.Join(root, release.Dir, "embedded.yml"))
	require.NoError(t, err, "the default stack has a profile")
}
