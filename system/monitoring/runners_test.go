package monitoring_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/promcheck"
)

func TestPrometheusNotReadyNamesComponentAndLog(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	_, err := monitoring.StartPrometheus(ctx, monitoring.ExtraArgs("--no-such-flag"))
	require.ErrorIs(t, err, monitoring.ErrNotReady)
	require.ErrorContains(t, err, "prometheus exited before")
	require.ErrorContains(t, err, "no-such-flag", "the error carries the tail of the log")
}

func TestAlertmanagerNotReadyOnBadConfig(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	_, err := monitoring.StartAlertmanager(ctx, []byte("route: {receiver: nobody}\nreceivers: []\n"))
	require.ErrorIs(t, err, monitoring.ErrNotReady)
	require.ErrorContains(t, err, "alertmanager")
	require.ErrorContains(t, err, "nobody")
}

func TestReadyTimeoutNamesComponent(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	// A readiness budget too short for any start.
	_, err := monitoring.StartPrometheus(ctx, monitoring.ReadyTimeout(time.Nanosecond))
	require.ErrorIs(t, err, monitoring.ErrNotReady)
	require.ErrorContains(t, err, "prometheus")
	require.ErrorContains(t, err, "did not answer 200 within")
}

func TestPrometheusReconfigureAddsTarget(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	p, err := monitoring.StartPrometheus(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })

	cfg, err := p.Config()
	require.NoError(t, err)
	out, err := promcheck.CheckPrometheusConfig(ctx, p.ConfigFile())
	require.NoError(t, err, "rendered config:\n%s", cfg)
	require.Contains(t, out, "SUCCESS")

	consumer := startFakeConsumer(t)
	require.NoError(t, p.Reconfigure(ctx, monitoring.Scrape("dashstream-consumer", consumer.hostPort())))
	wait := testCtx(t, 30*time.Second)
	vec := waitForSample(t, wait, p, `up{job="dashstream-consumer"} == 1`)
	require.Len(t, vec, 1)

	// A broken rule file is refused; the running configuration stays.
	bad := t.TempDir() + "/bad.rules.yml"
	require.NoError(t, os.WriteFile(bad, []byte("groups: [{name: g, rules: [{alert: A, expr: 'rate(x['}]}]\n"), 0o644))
	require.Error(t, p.Reconfigure(ctx, monitoring.RuleFiles(bad)))
	cfg2, err := p.Config()
	require.NoError(t, err)
	require.NotContains(t, string(cfg2), "bad.rules.yml")
	require.True(t, p.Process().Running())
}

func TestRenderedConfigWithRulesAndAlertmanagerPassesPromtool(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	rules, err := monitoring.Fixture(monitoring.FastRules)
	require.NoError(t, err)
	b, err := monitoring.RenderPrometheusConfig(time.Second, time.Second, []string{rules}, []string{"127.0.0.1:9093"},
		[]monitoring.ScrapeJob{{Name: "dashstream-consumer", Targets: []string{"127.0.0.1:9102", "127.0.0.1:9103"},
			MetricRelabel: []monitoring.Relabel{{SourceLabels: []string{"__name__", "error_type"}, Regex: `other_failed(_total)?;decode`,
				TargetLabel: "__name__", Replacement: "dashstream_decode_failures${1}"}}}})
	require.NoError(t, err)
	path := t.TempDir() + "/prometheus.yml"
	require.NoError(t, os.WriteFile(path, b, 0o644))
	out, err := promcheck.CheckPrometheusConfig(ctx, path)
	require.NoError(t, err, "rendered:\n%s", b)
	require.Contains(t, out, "SUCCESS: 6 rules found")
	require.Contains(t, string(b), "metric_relabel_configs:", "the relabelling is rendered, and promtool accepts it")
}

func TestAlertmanagerReloadRefusesBadConfig(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	good := []byte("route: {receiver: team}\nreceivers: [{name: team}]\n")
	am, err := monitoring.StartAlertmanager(ctx, good)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, am.Close()) })

	st, err := am.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, "disabled", st.Cluster.Status, "gossip must be off")
	require.Equal(t, "0.31.1", st.VersionInfo["version"])

	require.Error(t, am.Reload(ctx, []byte("route: {receiver: nobody}\nreceivers: []\n")))
	require.NoError(t, am.Reload(ctx, []byte("route: {receiver: pager}\nreceivers: [{name: pager}]\n")))
	st, err = am.Status(ctx)
	require.NoError(t, err)
	require.Contains(t, st.Config.Original, "pager")
	require.NoError(t, am.Close())
	require.NoError(t, am.Close())
	require.False(t, am.Process().Running())
}
