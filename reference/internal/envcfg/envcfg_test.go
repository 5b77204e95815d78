package envcfg

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSplitBrokers(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"a:9092", []string{"a:9092"}},
		{"a:9092, b:9093,", []string{"a:9092", "b:9093"}},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, SplitBrokers(tc.in), "input %q", tc.in)
	}
}

func TestTenantSetButEmpty(t *testing.T) {
	t.Setenv(EnvTenant, "")
	v, ok := Tenant()
	require.True(t, ok, "set but empty must be reported as set")
	require.Empty(t, v)
}

func TestDefaultsNoteMalformedValues(t *testing.T) {
	t.Setenv("DS_TEST_DUR", "5 seconds")
	t.Setenv("DS_TEST_INT", "ten")
	t.Setenv("DS_TEST_OK", "250ms")
	var d Defaults
	require.Equal(t, time.Second, d.Dur("DS_TEST_DUR", time.Second))
	require.Equal(t, 7, d.Int("DS_TEST_INT", 7))
	require.Equal(t, 250*time.Millisecond, d.Dur("DS_TEST_OK", time.Second))
	require.Equal(t, "fallback", d.Str("DS_TEST_UNSET", "fallback"))
	require.Len(t, d.Problems, 2)
	require.Contains(t, d.Problems[0], `DS_TEST_DUR="5 seconds" is not a duration`)
	require.Contains(t, d.Problems[1], `DS_TEST_INT="ten" is not a whole number`)
}

func TestBrokerProblems(t *testing.T) {
	require.Empty(t, BrokerProblems([]string{"kafka:9092", "127.0.0.1:1"}))
	require.Len(t, BrokerProblems([]string{"kafka", "kafka:0", "kafka:70000", "kafka:x"}), 4)
}

func TestExitCode(t *testing.T) {
	var b strings.Builder
	require.Equal(t, 0, ExitCode("svc", nil, &b))
	require.Equal(t, 2, ExitCode("svc", UsageError{errors.New("bad\nflag")}, &b))
	require.Equal(t, 1, ExitCode("svc", errors.New("boom"), &b))
	require.Equal(t, "svc: bad flag\nsvc: boom\n", b.String())
}
