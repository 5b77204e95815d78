package monitoring_test

import (
	"context"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
)

// TestMessageLossPagesAndResolves runs the whole alerting path on real binaries: a sequence
// gap on a scraped /metrics makes MessageLossDetected (fast profile) fire, Alertmanager
// routes it to the pager webhook, and once the gap leaves the window the alert resolves.
func TestMessageLossPagesAndResolves(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute) // covers a first build of the binaries
	consumer := startFakeConsumer(t)
	st := startStack(t, ctx, monitoring.Scrape("dashstream-consumer", consumer.hostPort()))

	// Ready means: the target is scraped and the rules are loaded.
	setup := testCtx(t, 30*time.Second)
	waitForSample(t, setup, st.Prometheus, `dashstream_sequence_gaps_total{topic="events"}`)
	rules, err := st.Prometheus.API().Rules(setup, nil)
	require.NoError(t, err)
	require.Len(t, rules.Groups, 1)
	require.Len(t, rules.Groups[0].Rules, 6)

	// The configured floor: scrape + evaluation + for + group_wait.
	const scrape, eval, forDur, groupWait = time.Second, time.Second, time.Second, time.Second
	floor := scrape + eval + forDur + groupWait

	onset := time.Now()
	consumer.gaps.WithLabelValues("events").Inc()

	firingCtx := testCtx(t, floor+20*time.Second)
	promFiring, err := st.Prometheus.WaitForAlert(firingCtx, "MessageLossDetected", v1.AlertStateFiring)
	require.NoError(t, err)
	firedInProm := time.Since(onset)
	d, err := st.Webhook.WaitFor(firingCtx, webhook.Firing("MessageLossDetected", "pager"))
	require.NoError(t, err)
	latency := d.Arrived.Sub(onset)

	require.Equal(t, "firing", d.Status)
	a := d.Alerts[0]
	require.Equal(t, "critical", a.Labels["severity"])
	require.Equal(t, "events", a.Labels["topic"])
	require.Equal(t, "dashstream-consumer", a.Labels["job"])
	require.Equal(t, "https://runbooks.example.com/dashstream/MessageLossDetected", a.Annotations["runbook_url"])
	require.Equal(t, "events", string(promFiring.Labels["topic"]))

	amAlerts, err := st.Alertmanager.Alerts(firingCtx)
	require.NoError(t, err)
	require.Len(t, amAlerts, 1)
	require.Equal(t, "MessageLossDetected", amAlerts[0].Name())
	require.Equal(t, "pager", amAlerts[0].Receivers[0].Name)

	// Declarative timing with a tolerance: at least for + group_wait, at most the floor.
	const tolerance = 2 * time.Second
	t.Logf("alert latency: onset -> firing in Prometheus %s, onset -> webhook %s (floor %s = scrape %s + eval %s + for %s + group_wait %s)",
		firedInProm.Round(time.Millisecond), latency.Round(time.Millisecond), floor, scrape, eval, forDur, groupWait)
	require.GreaterOrEqual(t, latency, forDur+groupWait-200*time.Millisecond, "faster than for + group_wait")
	require.LessOrEqual(t, latency, floor+tolerance, "slower than the floor + %s", tolerance)

	// No new gap: the increase leaves the 5 s window, the alert resolves and Alertmanager
	// sends the resolution at the next group_interval (5 s).
	resolvedCtx := testCtx(t, 40*time.Second)
	r, err := st.Webhook.WaitFor(resolvedCtx, webhook.Resolved("MessageLossDetected", "pager"))
	require.NoError(t, err)
	t.Logf("resolve latency: onset -> resolved webhook %s (window 5s + eval + group_interval 5s)",
		r.Arrived.Sub(onset).Round(time.Millisecond))
	require.Equal(t, "resolved", r.Status)

	for _, del := range st.Webhook.Deliveries() {
		require.False(t, del.Has("team", "MessageLossDetected", "firing"), "critical alert reached team: %s", del)
	}
}

func TestStackCloseStopsEverything(t *testing.T) {
	ctx := testCtx(t, 20*time.Minute)
	st, err := monitoring.StartStack(ctx)
	require.NoError(t, err)
	prom, am := st.Prometheus.Process(), st.Alertmanager.Process()
	require.True(t, prom.Running())
	require.True(t, am.Running())
	require.NoError(t, st.Close())
	require.NoError(t, st.Close())
	require.False(t, prom.Running())
	require.False(t, am.Running())
	_, err = st.Webhook.WaitFor(context.Background(), func(webhook.Delivery) bool { return false })
	require.ErrorContains(t, err, "receiver closed")
}

// TestStartStackFailureNamesTheCause: a stack that cannot start returns an error that says
// what failed and what to do, and no half-built stack (it used to panic on a nil Stack).
func TestStartStackFailureNamesTheCause(t *testing.T) {
	t.Setenv(monitoring.EnvFixturesDir, t.TempDir()) // no fixtures there
	st, err := monitoring.StartStack(testCtx(t, 30*time.Second))
	require.Nil(t, st)
	require.ErrorContains(t, err, "start stack: read fixture")
	require.ErrorContains(t, err, monitoring.ProductionRules)
	require.ErrorContains(t, err, monitoring.EnvFixturesDir)
}
