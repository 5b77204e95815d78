package report_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// evilName is a scenario name that must never reach the page as markup.
const evilName = `Escaping <script>alert("pwned")</script> | *bold* & </title>`

// fixtureRun records a realistic run: a recovered broker outage, a missed alert, a
// skipped scenario, a pending one and one whose name tries to inject markup.
func fixtureRun(t *testing.T, id string) *evidence.Run {
	t.Helper()
	clk := &fakeClock{now: time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)}
	run := evidence.NewRun("embedded", 1747224000, evidence.Clock(clk.Now), evidence.RunID(id),
		evidence.Tags("@chaos"), evidence.Version("kafka", "4.1.0"), evidence.Version("prometheus", "3.5.0"),
		evidence.Version("alertmanager", "0.28.1"), evidence.Version("harness", "4d4e497"))

	// 1. Passed: broker outage, alert fires and resolves, consumer recovers.
	rec := run.Start(evidence.Meta{ID: "p1", Name: "Broker outage raises KafkaBrokerDown and recovers",
		Feature: "Broker failures", URI: "features/broker.feature", Line: 8, Tags: []string{"@chaos", "@alerts"}})
	rec.Evidence(evidence.Before, evidence.KindMetric, "dashstream_messages_received_total", 1200)
	rec.Evidence(evidence.Before, evidence.KindHealth, "GET /healthz exporter", map[string]any{"status": "ok", "kafka": "connected"})
	clk.Advance(3 * time.Second)
	span := rec.FaultStart("broker-1 paused (SIGSTOP)", "kill -STOP to the broker's process group")
	fires := rec.Expect("alert KafkaBrokerDown fires", 90*time.Second)
	clk.Advance(20 * time.Second)
	rec.Evidence(evidence.During, evidence.KindAlert, "ALERTS{alertname=KafkaBrokerDown}", []map[string]string{{"state": "pending"}})
	clk.Advance(25 * time.Second)
	rec.Mark(evidence.EventAlertFiring, "KafkaBrokerDown", "severity=critical broker=1")
	fires.Observed(time.Time{}, "firing, value 1")
	rec.Evidence(evidence.During, evidence.KindWebhook, "alertmanager → receiver", map[string]any{"status": "firing", "alerts": 1})
	clk.Advance(15 * time.Second)
	rec.FaultEnd(span, "kill -CONT")
	recovers := rec.Expect("consumer lag back under 100", 60*time.Second)
	clk.Advance(12 * time.Second)
	rec.Mark(evidence.EventRecovered, "consumer lag", "lag 0 on all partitions")
	recovers.Observed(time.Time{}, "lag 0")
	clk.Advance(18 * time.Second)
	rec.Mark(evidence.EventAlertResolved, "KafkaBrokerDown", "")
	rec.Evidence(evidence.After, evidence.KindMetric, "dashstream_messages_received_total", 5230)
	rec.Evidence(evidence.After, evidence.KindHealth, "GET /healthz exporter", map[string]any{"status": "ok", "kafka": "connected"})
	rec.Log("kafka", "[2026-05-14 12:00:03] INFO broker 1 stopped responding\n[2026-05-14 12:01:06] INFO broker 1 back\n")
	rec.Log("exporter", "level=INFO msg=\"consumer rebalanced\"\n")
	clk.Advance(2 * time.Second)
	rec.End(evidence.StatusPassed, nil)

	// 2. Failed: the lag alert never fires.
	rec = run.Start(evidence.Meta{ID: "f1", Name: "Consumer lag alert fires within 90s", Feature: "Consumer lag",
		URI: "features/lag.feature", Line: 5, Tags: []string{"@chaos"}})
	rec.Evidence(evidence.Before, evidence.KindMetric, "dashstream_consumer_lag", 0)
	span = rec.FaultStart("consumer paused", "SIGSTOP to the consumer")
	lag := rec.Expect("alert DashStreamConsumerLag fires", 90*time.Second)
	clk.Advance(95 * time.Second)
	lag.Missed("alert state pending since +31s, never firing")
	rec.FaultEnd(span, "SIGCONT")
	rec.Evidence(evidence.After, evidence.KindMetric, "dashstream_consumer_lag", 4000)
	clk.Advance(time.Second)
	rec.End(evidence.StatusFailed, errors.New("alert DashStreamConsumerLag did not fire within 1m30s\nlast state: pending"))

	// 3. Skipped with a reason.
	rec = run.Start(evidence.Meta{ID: "s1", Name: "Network partition between broker and consumer", Feature: "Network faults",
		URI: "features/network.feature", Line: 3})
	rec.Skip("needs the containers stack: network faults use tc inside a container")
	rec.End("", nil)

	// 4. Pending.
	rec = run.Start(evidence.Meta{ID: "q1", Name: "Schema v2 messages go to the DLQ", Feature: "Schema evolution",
		URI: "features/schema.feature", Line: 12})
	rec.End(evidence.StatusPending, errors.New("step implementation is pending"))

	// 5. Passed, with markup everywhere a recorder can put text.
	rec = run.Start(evidence.Meta{ID: "x1", Name: evilName, Feature: "Escaping <b>", URI: "features/zz.feature", Line: 1})
	rec.Text(evidence.Before, evidence.KindNote, "<img src=x onerror=alert(1)>", "<script>alert('text')</script>")
	rec.Mark(evidence.EventNote, "</title><script>alert(2)</script>", "detail <iframe src=https://evil.example/>")
	rec.Log("<svc>", "<script>alert('log')</script>\n")
	clk.Advance(time.Second)
	rec.End(evidence.StatusPassed, nil)

	run.Finish()
	return run
}
