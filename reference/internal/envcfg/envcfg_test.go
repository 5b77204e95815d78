package envcfg

import (
	"errors"
	"math"
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

func TestRangeCheck(t *testing.T) {
	d := Range[time.Duration]{Min: time.Millisecond, Max: time.Hour}
	require.Empty(t, d.Check("-lag-interval", time.Second))
	require.Equal(t, []string{"-lag-interval 1ns is out of range: use 1ms to 1h"}, d.Check("-lag-interval", time.Nanosecond))
	f := Range[float64]{Min: 0.001, Max: 1e6, Zero: "unlimited"}
	require.Empty(t, f.Check("-rate", 0))
	require.Empty(t, f.Check("-rate", 0.001))
	require.Len(t, f.Check("-rate", 1e-10), 1)
	require.Len(t, f.Check("-rate", math.NaN()), 1, "NaN is never in range")
	require.Len(t, f.Check("-rate", math.Inf(1)), 1)
	i := Range[int]{Min: 1, Max: 10}
	require.Len(t, i.Check("-threads", 0), 1, "0 is out of range without Zero")
	require.Equal(t, []string{"-threads 9223372036854775807 is out of range: use 1 to 10"}, i.Check("-threads", math.MaxInt))
	require.Equal(t, "0 = unlimited, else 0.001 to 1e+06", f.Help())
	require.Equal(t, "1m30s to 24h", Range[time.Duration]{Min: 90 * time.Second, Max: 24 * time.Hour}.Help())
}
