package profile_test

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/profile"
	"github.com/dashstream/acceptance/system/monitoring/promcheck"
)

func webhookURL(receiver string) string { return "http://127.0.0.1:9/" + receiver }

func testAlertmanagerConfig(t *testing.T) []byte {
	t.Helper()
	out, err := profile.Alertmanager(readFixture(t, monitoring.ProductionAlertmanager), profile.Fast,
		"fixtures/"+monitoring.ProductionAlertmanager, webhookURL)
	require.NoError(t, err)
	return out
}

// stripTimings removes the scaled keys from a route tree and returns them by route path.
func stripTimings(t *testing.T, route map[string]any, path string, into map[string]string) {
	t.Helper()
	for _, k := range []string{"group_wait", "group_interval", "repeat_interval"} {
		if v, ok := route[k]; ok {
			into[path+"."+k] = v.(string)
			delete(route, k)
		}
	}
	subs, _ := route["routes"].([]any)
	for i, s := range subs {
		stripTimings(t, s.(map[string]any), path+".routes["+string(rune('0'+i))+"]", into)
	}
}

// TestAlertmanagerProfileKeepsRoutes proves the test profile has the production route
// tree, inhibit rules and global settings, with only the timings scaled and the
// receivers' integrations replaced by webhooks of the same names.
func TestAlertmanagerProfileKeepsRoutes(t *testing.T) {
	var prod, test map[string]any
	require.NoError(t, yaml.Unmarshal(readFixture(t, monitoring.ProductionAlertmanager), &prod))
	require.NoError(t, yaml.Unmarshal(testAlertmanagerConfig(t), &test))

	prodTimings, testTimings := map[string]string{}, map[string]string{}
	stripTimings(t, prod["route"].(map[string]any), "route", prodTimings)
	stripTimings(t, test["route"].(map[string]any), "route", testTimings)
	require.Equal(t, prod["route"], test["route"], "route trees differ beyond timings")
	require.Equal(t, prod["inhibit_rules"], test["inhibit_rules"])
	require.Equal(t, prod["global"], test["global"])
	require.NotEmpty(t, prodTimings)
	require.Len(t, testTimings, len(prodTimings))
	for k, pv := range prodTimings {
		pd, err := model.ParseDuration(pv)
		require.NoError(t, err)
		td, err := model.ParseDuration(testTimings[k])
		require.NoError(t, err, k)
		require.Equal(t, profile.Fast.Duration(time.Duration(pd), profile.Fast.MinTiming), time.Duration(td), k)
	}

	prodRecv, testRecv := prod["receivers"].([]any), test["receivers"].([]any)
	require.Len(t, testRecv, len(prodRecv))
	for i, r := range prodRecv {
		name := r.(map[string]any)["name"].(string)
		require.Equal(t, map[string]any{
			"name":            name,
			"webhook_configs": []any{map[string]any{"url": webhookURL(name), "send_resolved": true}},
		}, testRecv[i])
	}
}

// TestAlertmanagerConfigsRoute checks both profiles with amtool and routes every
// severity the rules use (and none) to the same receiver in both.
func TestAlertmanagerConfigsRoute(t *testing.T) {
	ctx := toolCtx(t)
	prodFile, err := monitoring.Fixture(monitoring.ProductionAlertmanager)
	require.NoError(t, err)
	testFile := writeTemp(t, "alertmanager.yml", testAlertmanagerConfig(t))
	for _, f := range []string{prodFile, testFile} {
		out, err := promcheck.CheckAlertmanagerConfig(ctx, f)
		require.NoError(t, err)
		require.Contains(t, out, "SUCCESS")
	}
	// Every severity the rules use must be routed below.
	var rules ruleFile
	require.NoError(t, yaml.Unmarshal(readFixture(t, monitoring.ProductionRules), &rules))
	severities := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			severities["severity="+r.Labels["severity"]] = true
		}
	}
	for _, tc := range []struct {
		labels []string
		want   []string
	}{
		{[]string{"severity=critical", "alertname=MessageLossDetected"}, []string{"pager"}},
		{[]string{"severity=critical", "alertname=ServiceDown"}, []string{"pager"}},
		{[]string{"severity=high", "alertname=HighDecodeErrorRate"}, []string{"team"}},
		{[]string{"severity=high", "alertname=DecompressionFailures"}, []string{"team"}},
		{[]string{"severity=medium", "alertname=ConsumerLagHigh"}, []string{"team"}},
		{[]string{"severity=medium", "alertname=E2ELatencyHigh"}, []string{"team"}},
		{[]string{"severity=low"}, []string{"team"}},
		{nil, []string{"team"}},
	} {
		for _, l := range tc.labels {
			delete(severities, l)
		}
		for _, f := range []string{prodFile, testFile} {
			got, err := promcheck.Route(ctx, f, tc.labels...)
			require.NoError(t, err)
			require.Equal(t, tc.want, got, "%v in %s", tc.labels, f)
		}
	}
	require.Empty(t, severities, "severities used by the rules but not routing-tested")
}
