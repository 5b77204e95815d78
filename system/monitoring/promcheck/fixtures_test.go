package promcheck_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/promcheck"
)

func toolCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func fixture(t *testing.T, rel string) string {
	t.Helper()
	p, err := monitoring.Fixture(rel)
	require.NoError(t, err)
	return p
}

func ruleTests(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixture(t, "prometheus/tests"), "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func TestProductionRulesCheck(t *testing.T) {
	out, err := promcheck.CheckRules(toolCtx(t), fixture(t, monitoring.ProductionRules))
	require.NoError(t, err)
	require.Contains(t, out, "SUCCESS: 6 rules found")
}

func TestProductionRulesUnitTests(t *testing.T) {
	out, err := promcheck.TestRules(toolCtx(t), ruleTests(t)...)
	require.NoError(t, err)
	require.NotContains(t, out, "FAILED")
}

// TestEveryAlertHasFiringAndSilentTests reads the unit-test files and requires, for every
// alert of the production file, at least one evaluation expecting it to fire and at
// least one expecting silence.
func TestEveryAlertHasFiringAndSilentTests(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	b, err := os.ReadFile(fixture(t, monitoring.ProductionRules))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &rules))

	firing, silent := map[string]int{}, map[string]int{}
	for _, f := range ruleTests(t) {
		var tf struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string `yaml:"alertname"`
					ExpAlerts []any  `yaml:"exp_alerts"`
				} `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, yaml.Unmarshal(b, &tf), f)
		for _, tc := range tf.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname]++
				} else {
					silent[a.Alertname]++
				}
			}
		}
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			n++
			require.Positive(t, firing[r.Alert], "%s has no firing test", r.Alert)
			require.Positive(t, silent[r.Alert], "%s has no silent test", r.Alert)
		}
	}
	require.Equal(t, 6, n)
}

// TestRuleTestsCatchMutants tests the tests: rule files with a known mistake must make
// `promtool test rules` fail.
func TestRuleTestsCatchMutants(t *testing.T) {
	ctx := toolCtx(t)
	prod, err := os.ReadFile(fixture(t, monitoring.ProductionRules))
	require.NoError(t, err)
	for _, m := range []struct{ name, from, to string }{
		{"no denominator guard", "(sum by (job) (rate(dashstream_messages_received_total[5m])) > 0)",
			"sum by (job) (rate(dashstream_messages_received_total[5m]))"},
		{"raw counter instead of increase", "increase(dashstream_sequence_gaps_total[5m])",
			"dashstream_sequence_gaps_total"},
		{"decompress reason dropped", `dashstream_decode_failures_total{reason="decompress"}`,
			"dashstream_decode_failures_total"},
		{"lag not summed over partitions", "sum by (job, group, topic) (dashstream_consumer_lag_records)",
			"dashstream_consumer_lag_records"},
		{"p50 instead of p99", "histogram_quantile(0.99,", "histogram_quantile(0.5,"},
		{"ServiceDown without for", "up == 0\n        for: 1m", "up == 0\n        for: 0s"},
	} {
		t.Run(m.name, func(t *testing.T) {
			require.Contains(t, string(prod), m.from)
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "rules"), 0o755))
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "tests"), 0o755))
			mutant := strings.Replace(string(prod), m.from, m.to, 1)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "rules", "dashstream.rules.yml"), []byte(mutant), 0o644))
			var copies []string
			for _, f := range ruleTests(t) {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				dst := filepath.Join(dir, "tests", filepath.Base(f))
				require.NoError(t, os.WriteFile(dst, b, 0o644))
				copies = append(copies, dst)
			}
			_, err := promcheck.TestRules(ctx, copies...)
			require.ErrorIs(t, err, promcheck.ErrCheckFailed, "the unit tests did not notice: %s", m.name)
		})
	}
}

func TestCheckFailureCarriesOutput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.rules.yml")
	require.NoError(t, os.WriteFile(bad, []byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[5m]\n"), 0o644))
	_, err := promcheck.CheckRules(toolCtx(t), bad)
	require.ErrorIs(t, err, promcheck.ErrCheckFailed)
	require.Contains(t, err.Error(), "bad.rules.yml")
}
