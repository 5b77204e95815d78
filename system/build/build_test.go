package build

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBinaryBuildsOnceAndRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p1, err := Binary(ctx, "./system/cmd/dskfake")
	require.NoError(t, err)
	p2, err := Binary(ctx, "./system/cmd/dskfake")
	require.NoError(t, err)
	require.Equal(t, p1, p2)
	out, err := exec.CommandContext(ctx, p1).CombinedOutput()
	require.Error(t, err, "dskfake without -port must refuse to start")
	require.Contains(t, string(out), "-port is required")
}

func TestBinaryReportsCompileErrors(t *testing.T) {
	_, err := Binary(context.Background(), "./does/not/exist")
	require.ErrorContains(t, err, "build ./does/not/exist")
}
