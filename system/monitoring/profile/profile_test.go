package profile_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring/profile"
)

func TestDurationRule(t *testing.T) {
	p := profile.Fast
	for _, tc := range []struct {
		in, floor, want time.Duration
	}{
		{0, time.Second, 0},
		{30 * time.Second, time.Second, time.Second}, // 0.5s rounds up to 1s
		{time.Minute, time.Second, time.Second},
		{time.Minute, 4 * time.Second, 4 * time.Second},  // floor
		{90 * time.Second, time.Second, 2 * time.Second}, // 1.5s rounds up
		{5 * time.Minute, 4 * time.Second, 5 * time.Second},
		{10 * time.Minute, time.Second, 10 * time.Second},
		{4 * time.Hour, time.Second, 4 * time.Minute},
	} {
		require.Equal(t, tc.want, p.Duration(tc.in, tc.floor), "Duration(%s, floor %s)", tc.in, tc.floor)
	}
	require.Equal(t, 5*time.Minute, profile.Profile{Divisor: 1}.Duration(5*time.Minute, 0), "divisor 1 keeps durations")
}

func TestExprRewritesOnlyRanges(t *testing.T) {
	p := profile.Fast
	for _, tc := range []struct{ in, want string }{
		{`rate(x[5m])`, `rate(x[5s])`},
		{`increase(x{a="b"}[ 10m ]) > 0`, `increase(x{a="b"}[10s]) > 0`},
		{`rate(x[1m])`, `rate(x[4s])`},
		{`max_over_time(rate(x[5m])[1h:1m])`, `max_over_time(rate(x[5s])[1m:1s])`},
		{`max_over_time(rate(x[5m])[30m:])`, `max_over_time(rate(x[5s])[30s:])`},
		{`up == 0`, `up == 0`},
		{"histogram_quantile(0.99,\n  sum by (le) (rate(h_bucket[5m])))", "histogram_quantile(0.99,\n  sum by (le) (rate(h_bucket[5s])))"},
	} {
		got, err := p.Expr(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{`rate(x[5m] offset 1h)`, `rate(x[5m] @ 1700000000)`, `rate(x[5m+1m])`, `rate(x[$w])`} {
		_, err := p.Expr(bad)
		require.ErrorIs(t, err, profile.ErrUnsupported, bad)
	}
}

func TestRulesRefusesBadInput(t *testing.T) {
	_, err := profile.Rules([]byte("groups: [\n"), profile.Fast, "x.yml")
	require.Error(t, err)
	_, err = profile.Rules([]byte("foo: bar\n"), profile.Fast, "x.yml")
	require.ErrorContains(t, err, "no `groups:`")
	_, err = profile.Rules([]byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[5m] offset 1m) > 0\n"), profile.Fast, "x.yml")
	require.ErrorIs(t, err, profile.ErrUnsupported)
	require.ErrorContains(t, err, "alert A")
}
