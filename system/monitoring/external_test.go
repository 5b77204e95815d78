package monitoring_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/tools"
)

// TestExternalReadsTheRunningPrometheusAndAlertmanager connects to a Prometheus and an
// Alertmanager as a user's would be (here the harness's own, on real binaries) and reads
// the rules as loaded there, the alerts from Alertmanager's API and the routing from the
// configuration Alertmanager reports.
func TestExternalReadsTheRunningPrometheusAndAlertmanager(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	consumer := startFakeConsumer(t)
	st := startStack(t, ctx, monitoring.Scrape("dashstream-consumer", consumer.hostPort()))

	setup := testCtx(t, 30*time.Second)
	ext, err := monitoring.ConnectExternal(setup, st.Prometheus.URL(), st.Alertmanager.URL()+"/")
	require.NoError(t, err)
	for _, c := range []string{"prometheus", "alertmanager"} {
		pin, err := tools.Lookup(c)
		require.NoError(t, err)
		require.Contains(t, ext.Versions()[c], c+" "+strings.TrimPrefix(pin.Release, "v")+" (external http://127.0.0.1:",
			"the version the running server reports")
	}

	rules, err := ext.API().Rules(setup, nil)
	require.NoError(t, err)
	require.Len(t, rules.Groups, 1)
	require.Len(t, rules.Groups[0].Rules, 6, "the fast rules as loaded in that Prometheus")
	d, err := ext.GroupWait("pager")
	require.NoError(t, err)
	require.Equal(t, time.Second, d, "read from the configuration Alertmanager reports")
	require.Equal(t, "production", ext.RuleProfile().Name)

	// increase() needs a sample at 0 before the gap.
	waitForSample(t, setup, st.Prometheus, `dashstream_sequence_gaps_total{topic="events"}`)
	consumer.gaps.WithLabelValues("events").Inc()
	_, err = st.Prometheus.WaitForAlert(testCtx(t, 30*time.Second), "MessageLossDetected", v1.AlertStateFiring)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		as, err := ext.Alerts(setup)
		return err == nil && len(as) == 1 && as[0].Name() == "MessageLossDetected"
	}, 20*time.Second, 100*time.Millisecond, "Alertmanager's API lists the alert")

	require.ErrorIs(t, ext.SetScrapeJobs(setup, monitoring.ScrapeJob{Name: "x", Targets: []string{"a:1"}}), monitoring.ErrUnsupported)
	require.Nil(t, ext.Deliveries())
	_, err = ext.WaitFor(setup, webhook.Firing("MessageLossDetected", "pager"))
	require.ErrorIs(t, err, monitoring.ErrNoReceiver)
	require.NoError(t, ext.Close())
}

func TestConnectExternalNamesTheBadURL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := monitoring.ConnectExternal(ctx, "localhost:9090", "http://127.0.0.1:9093")
	require.ErrorContains(t, err, `"localhost:9090" is not a URL`)
	_, err = monitoring.ConnectExternal(ctx, "http://127.0.0.1:1", "http://127.0.0.1:1")
	require.ErrorContains(t, err, "prometheus at http://127.0.0.1:1")
	require.ErrorContains(t, err, "check PROMETHEUS_URL")
	require.False(t, errors.Is(err, monitoring.ErrUnsupported))
}
