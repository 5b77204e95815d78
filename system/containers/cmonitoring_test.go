package containers

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/stack"
)

func TestContainerMonitoringScrapesInNetworkAndPagesThroughTheHostWebhook(t *testing.T) {
	st := startStack(t, Exporter, Prometheus, Alertmanager)
	ctx := testCtx(t, 3*time.Minute)
	svc, err := st.Services().Start(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR"})
	require.NoError(t, err)

	start := time.Now()
	m, err := st.StartContainerMonitoring(ctx, monitoring.ScrapeJob{Name: "dashstream-exporter", Targets: []string{svc.ScrapeAddr()}})
	require.NoError(t, err)
	t.Logf("prometheus and alertmanager containers ready in %s", time.Since(start).Round(time.Millisecond))
	require.Contains(t, st.Versions()["prometheus"], "image ")

	require.NoError(t, poll(ctx, time.Minute, 250*time.Millisecond, func(ctx context.Context) (bool, string) {
		v, _, _, err := m.Prometheus.Query(ctx, `up{job="dashstream-exporter"}`, time.Now())
		if err != nil {
			return false, err.Error()
		}
		vec, _ := v.(model.Vector)
		return len(vec) == 1 && vec[0].Value == 1, v.String()
	}), "prometheus did not scrape %s\n%s", svc.ScrapeAddr(), m.Log(20))

	require.NoError(t, svc.Stop(ctx))
	stopped := time.Now()
	d, err := m.Webhook.WaitFor(ctx, webhook.Firing("ServiceDown", "pager"))
	require.NoError(t, err, "alertmanager log:\n%s", m.Log(20))
	t.Logf("ServiceDown reached the pager webhook %s after the exporter stopped", d.Arrived.Sub(stopped).Round(time.Millisecond))

	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "Close twice")
	c := countByLabel(t, LabelRun, st.RunID())
	require.Equal(t, counts{containers: 2, networks: 1, volumes: 1}, c,
		"kafka (and its volume) and the exporter remain; the monitoring containers are gone")
}

func TestStartMonitoringRunsContainersAndSetsScrapeJobsInPlace(t *testing.T) {
	st := startStack(t, Exporter, Prometheus, Alertmanager)
	ctx := testCtx(t, 3*time.Minute)
	first, err := st.Services().Start(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR"})
	require.NoError(t, err)
	second, err := st.Services().Start(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR"})
	require.NoError(t, err)
	mon, err := st.StartMonitoring(ctx, monitoring.ScrapeJob{Name: "dashstream-exporter", Targets: []string{first.ScrapeAddr()}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mon.Close() })
	m, ok := mon.(*Monitoring)
	require.True(t, ok, "StartMonitoring returns the containers' monitoring, got %T", mon)
	require.Contains(t, mon.Versions()["prometheus"], "(image "+Image(Prometheus)+")")
	require.Contains(t, mon.Versions()["alertmanager"], "(image "+Image(Alertmanager)+")")

	require.NoError(t, mon.SetScrapeJobs(ctx, monitoring.ScrapeJob{Name: "dashstream-exporter",
		Targets: []string{first.ScrapeAddr(), second.ScrapeAddr()}}))
	require.NoError(t, poll(ctx, time.Minute, 250*time.Millisecond, func(ctx context.Context) (bool, string) {
		v, _, _, err := mon.API().Query(ctx, `up{job="dashstream-exporter"} == 1`, time.Now())
		if err != nil {
			return false, err.Error()
		}
		vec, _ := v.(model.Vector)
		return len(vec) == 2, v.String()
	}), "prometheus did not scrape both instances in the network\n%s", m.Log(20))
	gw, err := mon.GroupWait("pager")
	require.NoError(t, err)
	require.Equal(t, time.Second, gw, "the fast profile's group_wait")
}
