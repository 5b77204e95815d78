package envcfg

import (
	"testing"

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
