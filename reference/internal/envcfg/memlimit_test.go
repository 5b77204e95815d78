package envcfg

import (
	"math"
	"os"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMemoryLimitFor(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	t.Setenv("GOMEMLIMIT", "")
	require.Equal(t, before, MemoryLimitFor(64<<20), "GOMEMLIMIT set (even empty): left alone")
	require.Equal(t, before, debug.SetMemoryLimit(-1))
}

func TestMemoryLimitForWithoutGOMEMLIMIT(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	if _, set := lookupGOMEMLIMIT(); set {
		t.Skip("GOMEMLIMIT is set in this environment")
	}
	require.Equal(t, int64(128<<20), MemoryLimitFor(64<<20))
	require.Equal(t, int64(128<<20), debug.SetMemoryLimit(-1))
	require.NotEqual(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
}

func lookupGOMEMLIMIT() (string, bool) { return os.LookupEnv("GOMEMLIMIT") }
