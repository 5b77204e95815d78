package proc

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMem(t *testing.T) {
	m, err := parseMem(strings.NewReader("Name:\tx\nVmHWM:\t  204800 kB\nVmRSS:\t   10240 kB\nThreads:\t4\n"))
	require.NoError(t, err)
	require.Equal(t, Mem{RSS: 10 << 20, HWM: 200 << 20}, m)
	_, err = parseMem(strings.NewReader("Name:\tzombie\nState:\tZ\n"))
	require.ErrorContains(t, err, "VmRSS or VmHWM missing")
	_, err = parseMem(strings.NewReader("VmHWM:\t12 MB\nVmRSS:\t1 kB\n"))
	require.ErrorContains(t, err, "is not")
	_, err = parseMem(strings.NewReader("VmHWM:\tx kB\nVmRSS:\t1 kB\n"))
	require.ErrorContains(t, err, "VmHWM")
}

func TestReadMemOfThisProcess(t *testing.T) {
	m, err := ReadMem(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, m.RSS)
	require.GreaterOrEqual(t, m.HWM, m.RSS)
}
