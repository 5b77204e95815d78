package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/cucumber/godog"
	"github.com/prometheus/common/model"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

func registerAlertingSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the exporter consumes the scenario's topic and Prometheus scrapes it$`, exporterScraped)
	sc.Step(`^Prometheus has loaded these alerts, as in production:$`, alertsLoaded)
	sc.Step(`^the exporter is stopped$`, exporterStopped)
	sc.Step(`^the exporter is started again$`, exporterStartedAgain)
	sc.Step(`^"([^"]*)" fires and reaches the "([^"]*)" receiver within (\d+) seconds$`, alertFires)
	sc.Step(`^"([^"]*)" is resolved within (\d+) seconds$`, alertResolved)
	sc.Step(`^the exporter counts exactly (\d+) sequence gaps?$`, exporterCountsGaps)
	sc.Step(`^(\d+) messages are written on a thread and message (\d+) is lost on the way to the exporter$`, lostOnTheWay)
	registerInstanceSteps(sc)
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
	svc, err := w.startExporter(ctx, "exporter", topic)
	if err != nil {
		return err
	}
	mon, err := w.stack.StartMonitoring(ctx, w.exporterJob(svc.ScrapeAddr()))
	if err != nil {
		return err
	}
	w.mon = mon
	w.rec.Evidence(evidence.Before, evidence.KindNote, "monitoring", mon.Versions())
	w.onCleanup("prometheus and alertmanager", func(context.Context) error {
		w.rec.Evidence(evidence.After, evidence.KindWebhook, "webhook deliveries", deliveries(mon))
		return mon.Close()
	})
	// The target is the exporter's ScrapeAddr: on the containers stack a name only the
	// stack's network resolves, so up == 1 also shows where Prometheus runs.
	if err := w.eventually(ctx, "Prometheus to scrape the exporter at "+svc.ScrapeAddr()+" (up == 1)", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		v, err := w.query(ctx, fmt.Sprintf(`up{job=%q}`, exporterJob))
		return v == 1, fmt.Sprintf("up = %v", v), err
	}); err != nil {
		return err
	}
	if ts, err := mon.API().Targets(ctx); err == nil {
		var urls []string
		for _, t := range ts.Active {
			urls = append(urls, fmt.Sprintf("%s %s", t.ScrapeURL, t.Health))
		}
		w.rec.Evidence(evidence.Before, evidence.KindMetric, "prometheus targets", urls)
	}
	return nil
}

// exporterJob is the scrape job of the scenario's exporter instances at targets, with
// the relabelling that gives another implementation's metrics the names the production
// rules read (none for the reference).
func (w *World) exporterJob(targets ...string) monitoring.ScrapeJob {
	return monitoring.ScrapeJob{Name: exporterJob, Targets: targets, MetricRelabel: w.sut.Relabel(sut.Exporter)}
}

// startExporter starts an exporter instance named name on the scenario's topic and waits
// until it is ready.
func (w *World) startExporter(ctx context.Context, name, topic string) (stack.Service, error) {
	svc, err := w.start(ctx, launch{role: sut.Exporter, name: name, listen: true,
		env: map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq"),
			// The scenario's consumer group, for ConsumerLagHigh; lag refreshed at the
			// fast profile's scrape interval so it adds no delay of its own.
			"KAFKA_LAG_GROUPS": w.name("group"), "LAG_INTERVAL": monitoring.DefaultInterval.String()}})
	if err != nil {
		return nil, err
	}
	if err := w.eventually(ctx, name+" to be ready (/readyz 200)", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), w.sut.ReadyPath(sut.Exporter))
		return code == 200, fmt.Sprintf("/readyz %d", code), err
	}); err != nil {
		return nil, fmt.Errorf("%w; %s log:\n%s", err, name, svc.Log(20))
	}
	return svc, nil
}

// query runs an instant PromQL query that yields one sample and returns its value.
func (w *World) query(ctx context.Context, q string) (float64, error) {
	res, _, _, err := w.mon.API().Query(ctx, q, time.Now())
	if err != nil {
		return 0, err
	}
	vec, ok := res.(model.Vector)
	if !ok || len(vec) == 0 {
		return 0, fmt.Errorf("%s: no sample yet", q)
	}
	return float64(vec[0].Value), nil
}

func deliveries(mon monitoring.Monitoring) []string {
	var out []string
	for _, d := range mon.Deliveries() {
		out = append(out, d.Arrived.UTC().Format("15:04:05.000")+" "+d.String())
	}
	return out
}

// exporterStopped stops the Background's exporter, instance 1 of its scrape job.
func exporterStopped(ctx context.Context) error { return exporterInstanceStopped(ctx, 1) }

// exporterStartedAgain starts the Background's exporter again.
func exporterStartedAgain(ctx context.Context) error { return exporterInstanceStarted(ctx, 1) }

func exporterCountsGaps(ctx context.Context, n int) error {
	return world(ctx).exporterMetricReaches(ctx, "dashstream_sequence_gaps_total", n)
}

// exporterMetricReaches waits until the exporter's metric (summed over its series) is n,
// and fails as soon as it goes past n. A metric the exporter does not export is never
// read as 0: the wait ends saying it is missing.
func (w *World) exporterMetricReaches(ctx context.Context, metric string, n int) error {
	if err := w.needMetric(sut.Exporter, metric); err != nil {
		return err
	}
	svc, err := w.service("exporter")
	if err != nil {
		return err
	}
	var past error
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	err = w.eventually(pctx, fmt.Sprintf("%s to reach %d", metric, n), 20*time.Second, func(ctx context.Context) (bool, string, error) {
		m, err := scrape(ctx, svc.Addr())
		if err != nil {
			return false, "", err
		}
		got, ok := m[metric]
		if !ok {
			return false, metric + " is not exported", nil
		}
		if got > float64(n) {
			past = fmt.Errorf("%s = %v, more than %d", metric, got, n)
			stop()
			return false, past.Error(), nil
		}
		return got == float64(n), fmt.Sprintf("%s = %v", metric, got), nil
	})
	if past != nil {
		return past
	}
	return err
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
	w.markOnset(time.Now(), 0, fmt.Sprintf("message %d of %d lost on the way to the exporter", lost, n))
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
