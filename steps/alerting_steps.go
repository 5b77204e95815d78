package steps

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cucumber/godog"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/stack"
)

func registerAlertingSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the exporter consumes the scenario's topic and Prometheus scrapes it$`, exporterScraped)
	sc.Step(`^Prometheus has loaded these alerts:$`, alertsLoaded)
	sc.Step(`^the exporter is stopped$`, exporterStopped)
	sc.Step(`^the exporter is started again$`, exporterStartedAgain)
	sc.Step(`^"([^"]*)" fires and reaches the "([^"]*)" receiver within (\d+) seconds$`, alertFires)
	sc.Step(`^"([^"]*)" is resolved within (\d+) seconds$`, alertResolved)
	sc.Step(`^the exporter counts exactly (\d+) sequence gaps?$`, exporterCountsGaps)
	sc.Step(`^(\d+) messages are written on a thread and message (\d+) is lost on the way to the exporter$`, lostOnTheWay)
}

// exporterJob is the Prometheus job of the scenario's exporter.
const exporterJob = "dashstream-exporter"

// exporterScraped starts the exporter on the scenario's topics, waits until it is ready,
// and starts a Prometheus and Alertmanager that scrape it.
func exporterScraped(ctx context.Context) error {
	w := world(ctx)
	if err := w.need(stack.RunServices, stack.Monitoring); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	svc, err := w.startService(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR",
		Env: map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq"),
			// The scenario's consumer group, for ConsumerLagHigh; lag refreshed at the
			// fast profile's scrape interval so it adds no delay of its own.
			"KAFKA_LAG_GROUPS": w.name("group"), "LAG_INTERVAL": monitoring.DefaultInterval.String()}})
	if err != nil {
		return err
	}
	if err := w.eventually(ctx, "the exporter to be ready (/readyz 200)", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), "/readyz")
		return code == 200, fmt.Sprintf("/readyz %d", code), err
	}); err != nil {
		return fmt.Errorf("%w; exporter log:\n%s", err, svc.Log(20))
	}
	mon, err := w.stack.StartMonitoring(ctx, monitoring.ScrapeJob{Name: exporterJob, Targets: []string{svc.ScrapeAddr()}})
	if err != nil {
		return err
	}
	w.mon = mon
	w.onCleanup("prometheus and alertmanager", func(context.Context) error {
		w.rec.Evidence(evidence.After, evidence.KindWebhook, "webhook deliveries", deliveries(mon))
		return mon.Close()
	})
	return w.eventually(ctx, "Prometheus to scrape the exporter (up == 1)", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		v, err := w.query(ctx, fmt.Sprintf(`up{job=%q}`, exporterJob))
		return v == 1, fmt.Sprintf("up = %v", v), err
	})
}

// query runs an instant PromQL query that yields one sample and returns its value.
func (w *World) query(ctx context.Context, q string) (float64, error) {
	res, _, _, err := w.mon.Prometheus.API().Query(ctx, q, time.Now())
	if err != nil {
		return 0, err
	}
	vec, ok := res.(model.Vector)
	if !ok || len(vec) == 0 {
		return 0, fmt.Errorf("%s: no sample yet", q)
	}
	return float64(vec[0].Value), nil
}

func deliveries(mon *monitoring.Stack) []string {
	var out []string
	for _, d := range mon.Webhook.Deliveries() {
		out = append(out, d.Arrived.UTC().Format("15:04:05.000")+" "+d.String())
	}
	return out
}

func alertsLoaded(ctx context.Context, table *godog.Table) error {
	w := world(ctx)
	rules, err := w.mon.Prometheus.API().Rules(ctx, nil)
	if err != nil {
		return err
	}
	loaded := map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if a, ok := r.(v1.AlertingRule); ok {
				loaded[a.Name] = string(a.Labels["severity"])
			}
		}
	}
	w.rec.Evidence(evidence.Before, evidence.KindAlert, "alert rules loaded", loaded)
	var problems []string
	for _, row := range table.Rows[1:] {
		name, severity := row.Cells[0].Value, row.Cells[1].Value
		switch got, ok := loaded[name]; {
		case !ok:
			problems = append(problems, name+" is not loaded")
		case got != severity:
			problems = append(problems, fmt.Sprintf("%s has severity %q, expected %q", name, got, severity))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("alert rules: %s (loaded: %v)", strings.Join(problems, "; "), sortedKeys(loaded))
	}
	return nil
}

func exporterStopped(ctx context.Context) error {
	w := world(ctx)
	h, err := chaos.ServiceStop(w.services["exporter"]).Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onset = time.Now()
	w.exporterDown = h
	w.onCleanup("restart exporter", h.Undo)
	return nil
}

func exporterStartedAgain(ctx context.Context) error {
	w := world(ctx)
	if w.exporterDown == nil {
		return fmt.Errorf("the exporter was not stopped in this scenario")
	}
	if err := w.exporterDown.Undo(ctx); err != nil {
		return err
	}
	w.cleared = time.Now()
	return nil
}

// alertFires waits until the alert's firing notification reaches the receiver's webhook
// and Alertmanager's API v2 has listed it for that receiver, and records its latency over
// the configured floor. Alertmanager is asked at every poll: a short-lived alert may be
// resolved again by the time the webhook call arrives.
func alertFires(ctx context.Context, alert, receiver string, seconds int) error {
	w := world(ctx)
	var (
		d      webhook.Delivery
		listed []monitoring.AMAlert // Alertmanager's alerts when it first listed this one
	)
	err := w.eventually(ctx, fmt.Sprintf("%s to reach %s, in Alertmanager's API and as a webhook call", alert, receiver),
		time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
			if listed == nil {
				am, err := w.mon.Alertmanager.Alerts(ctx)
				if err != nil {
					return false, "", err
				}
				if amLists(am, alert, receiver) {
					listed = am
				}
			}
			delivered := false
			for _, x := range w.mon.Webhook.Deliveries() {
				if webhook.Firing(alert, receiver)(x) {
					d, delivered = x, true
					break
				}
			}
			return delivered && listed != nil, fmt.Sprintf("Alertmanager lists it for %s: %t; webhook: %d deliveries, firing %s to %s: %t",
				receiver, listed != nil, len(w.mon.Webhook.Deliveries()), alert, receiver, delivered), nil
		})
	if err != nil {
		return err
	}
	w.rec.MarkAt(d.Arrived, evidence.EventAlertFiring, alert, "delivered to "+receiver)
	w.rec.Evidence(evidence.During, evidence.KindAlert, "alertmanager alerts", listed)
	if !w.onset.IsZero() {
		floor, err := w.alertFloor(ctx, alert)
		if err != nil {
			return err
		}
		latency := d.Arrived.Sub(w.onset)
		w.rec.Evidence(evidence.During, evidence.KindMetric, "alert latency", map[string]any{
			"alert": alert, "latency_seconds": latency.Seconds(), "floor_seconds": floor.Seconds(),
			"over_floor_seconds": (latency - floor).Seconds()})
	}
	return nil
}

// amLists reports whether Alertmanager lists the alert as routed to the receiver.
func amLists(am []monitoring.AMAlert, alert, receiver string) bool {
	for _, a := range am {
		if a.Name() != alert {
			continue
		}
		for _, r := range a.Receivers {
			if r.Name == receiver {
				return true
			}
		}
	}
	return false
}

// alertFloor is the least time an alert can take from its condition to a webhook:
// scrape interval + evaluation interval + its for: + Alertmanager's group_wait.
func (w *World) alertFloor(ctx context.Context, alert string) (time.Duration, error) {
	rules, err := w.mon.Prometheus.API().Rules(ctx, nil)
	if err != nil {
		return 0, err
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if a, ok := r.(v1.AlertingRule); ok && a.Name == alert {
				groupWait := w.mon.Profile.Duration(30*time.Second, time.Second) // production group_wait, scaled
				return monitoring.DefaultInterval*2 + time.Duration(a.Duration*float64(time.Second)) + groupWait, nil
			}
		}
	}
	return 0, fmt.Errorf("alert %s is not loaded", alert)
}

func alertResolved(ctx context.Context, alert string, seconds int) error {
	w := world(ctx)
	return w.eventually(ctx, alert+" to be resolved", time.Duration(seconds)*time.Second, func(context.Context) (bool, string, error) {
		for _, x := range w.mon.Webhook.Deliveries() {
			for _, a := range x.Alerts {
				if a.Name() == alert && a.Status == "resolved" {
					w.rec.MarkAt(x.Arrived, evidence.EventAlertResolved, alert, "resolved at "+x.Receiver)
					return true, x.String(), nil
				}
			}
		}
		return false, fmt.Sprintf("%d deliveries, none resolving %s", len(w.mon.Webhook.Deliveries()), alert), nil
	})
}

func exporterCountsGaps(ctx context.Context, n int) error {
	return world(ctx).exporterMetricReaches(ctx, "dashstream_sequence_gaps_total", n)
}

// exporterMetricReaches waits until the exporter's metric (summed over its series) is n,
// and fails at once when it goes past n.
func (w *World) exporterMetricReaches(ctx context.Context, metric string, n int) error {
	svc := w.services["exporter"]
	return w.eventually(ctx, fmt.Sprintf("%s to reach %d", metric, n), 20*time.Second, func(ctx context.Context) (bool, string, error) {
		m, err := scrape(ctx, svc.Addr())
		if err != nil {
			return false, "", err
		}
		got := m[metric]
		if got > float64(n) {
			return false, "", fmt.Errorf("%s = %v, more than %d", metric, got, n)
		}
		return got == float64(n), fmt.Sprintf("%s = %v", metric, got), nil
	})
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lostOnTheWay writes n messages to a source topic and copies them to the exporter's
// topic with a lossy mirror that leaves out message lost: one hole in the thread.
func lostOnTheWay(ctx context.Context, n, lost int) error {
	w := world(ctx)
	src, err := w.ensureTopic(ctx, "source")
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	mirror := chaos.MirrorDropping(w.stack.Kafka(), src, w.topic("events"), chaos.DropSequence(w.thread, uint64(lost)))
	h, err := mirror.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("mirror", h.Undo)
	w.onset = time.Now()
	if err := w.sendEventsTo(ctx, src, n); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := mirror.Sync(sctx); err != nil {
		return err
	}
	counts := mirror.Counts()
	w.rec.Evidence(evidence.During, evidence.KindNote, "lossy mirror", counts)
	if len(counts.Dropped) != 1 {
		return fmt.Errorf("the mirror dropped %d records, expected exactly 1", len(counts.Dropped))
	}
	return h.Undo(ctx)
}
