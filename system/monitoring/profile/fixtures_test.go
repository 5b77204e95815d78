package profile_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/profile"
	"github.com/dashstream/acceptance/system/monitoring/promcheck"
)

// toolCtx bounds a test that may build promtool or amtool on first use.
func toolCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func readFixture(t *testing.T, rel string) []byte {
	t.Helper()
	path, err := monitoring.Fixture(rel)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var bracketRE = regexp.MustCompile(`\[[^\]]*\]`)

func fastRules(t *testing.T) []byte {
	t.Helper()
	out, err := profile.Rules(readFixture(t, monitoring.ProductionRules), profile.Fast, "fixtures/"+monitoring.ProductionRules)
	require.NoError(t, err)
	return out
}

// TestFastRulesDifferOnlyInDurations proves the generated profile is the production file
// with only `for:` and range windows changed, by the documented rule.
func TestFastRulesDifferOnlyInDurations(t *testing.T) {
	var prod, fast ruleFile
	require.NoError(t, yaml.Unmarshal(readFixture(t, monitoring.ProductionRules), &prod))
	require.NoError(t, yaml.Unmarshal(fastRules(t), &fast))
	require.Len(t, fast.Groups, len(prod.Groups))
	alerts := 0
	for gi, pg := range prod.Groups {
		fg := fast.Groups[gi]
		require.Equal(t, pg.Name, fg.Name)
		require.Len(t, fg.Rules, len(pg.Rules))
		for ri, pr := range pg.Rules {
			fr := fg.Rules[ri]
			alerts++
			require.Equal(t, pr.Alert, fr.Alert)
			require.Equal(t, pr.Labels, fr.Labels, pr.Alert)
			require.Equal(t, pr.Annotations, fr.Annotations, pr.Alert)
			require.Equal(t, bracketRE.ReplaceAllString(pr.Expr, "[]"), bracketRE.ReplaceAllString(fr.Expr, "[]"), pr.Alert)
			want, err := profile.Fast.Expr(pr.Expr)
			require.NoError(t, err)
			require.Equal(t, want, fr.Expr, pr.Alert)
			pf, err := time.ParseDuration(pr.For)
			require.NoError(t, err)
			ff, err := time.ParseDuration(fr.For)
			require.NoError(t, err)
			require.Equal(t, profile.Fast.Duration(pf, profile.Fast.MinFor), ff, pr.Alert)
			require.Less(t, ff, pf, "%s: the fast for: must be shorter", pr.Alert)
		}
	}
	require.Equal(t, 6, alerts)
}

// TestGeneratedFastRulesUpToDate fails when someone edited the production rules without
// running `make rules-generate` (or edited the generated file by hand).
func TestGeneratedFastRulesUpToDate(t *testing.T) {
	require.Equal(t, string(fastRules(t)), string(readFixture(t, monitoring.FastRules)),
		"%s is stale: run `make rules-generate`", monitoring.FastRules)
}

func TestFastRulesPassPromtool(t *testing.T) {
	ctx := toolCtx(t)
	out, err := promcheck.CheckRules(ctx, writeTemp(t, "fast.rules.yml", fastRules(t)))
	require.NoError(t, err)
	require.Contains(t, out, "SUCCESS: 6 rules found")
}
