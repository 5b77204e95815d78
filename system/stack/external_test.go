package stack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/stack"
)

// TestExternalMonitoringIsTheUsersOwn opens the external stack on an embedded stack's
// Kafka and a running Prometheus and Alertmanager, as a user's staging would be: the
// versions are the servers' own, StartMonitoring reads them without jobs and refuses
// jobs, and the stack declares neither monitoring nor receive-alerts.
func TestExternalMonitoringIsTheUsersOwn(t *testing.T) {
	emb := openStack(t, "embedded")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	users, err := monitoring.StartStack(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = users.Close() })

	t.Setenv(stack.EnvKafkaBrokers, strings.Join(emb.Kafka().Bootstrap(), ","))
	t.Setenv(stack.EnvPrometheusURL, users.Prometheus.URL())
	t.Setenv(stack.EnvAlertmanagerURL, "")
	_, err = stack.Open(ctx, "external")
	require.ErrorContains(t, err, "needs both PROMETHEUS_URL and ALERTMANAGER_URL", "one URL alone is a clear error")

	t.Setenv(stack.EnvAlertmanagerURL, users.Alertmanager.URL())
	ext := openStack(t, "external")
	require.Contains(t, ext.Versions()["prometheus"], "(external "+users.Prometheus.URL()+")")
	require.Contains(t, ext.Versions()["alertmanager"], "(external "+users.Alertmanager.URL()+")")
	require.False(t, stack.Has(ext, stack.Monitoring))
	require.False(t, stack.Has(ext, stack.ReceiveAlerts))

	mon, err := ext.StartMonitoring(ctx)
	require.NoError(t, err)
	rules, err := mon.API().Rules(ctx, nil)
	require.NoError(t, err)
	require.Len(t, rules.Groups, 1, "the rules as loaded in the user's Prometheus")
	_, err = ext.StartMonitoring(ctx, monitoring.ScrapeJob{Name: "dashstream-exporter", Targets: []string{"127.0.0.1:1"}})
	require.True(t, errors.Is(err, stack.ErrUnsupported), "jobs are refused: %v", err)
}
