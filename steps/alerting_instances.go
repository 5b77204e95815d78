package steps

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/cucumber/godog"
	"github.com/prometheus/common/model"

	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/stack"
)

// Exporter instances of one scrape job: instance 1 is the Background's exporter,
// instance 2 the one a scenario adds; both are targets of exporterJob. The scenario's
// Prometheus scrapes each instance at its ScrapeAddr, which is also its instance label:
// the host address where Prometheus runs on the host, the in-network alias:port where it
// is a container on the stack's network.
func registerInstanceSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a second exporter instance joins the exporter's scrape job$`, secondExporterJoins)
	sc.Step(`^exporter instance (\d) is stopped$`, exporterInstanceStopped)
	sc.Step(`^exporter instance (\d) is started again$`, exporterInstanceStarted)
	sc.Step(`^"([^"]*)" fires for exporter instance (\d) only and reaches the "([^"]*)" receiver within (\d+) seconds$`, alertFiresForInstance)
	sc.Step(`^exporter instance (\d) was scraped as up throughout$`, instanceStayedUp)
}

// exporterInstance returns exporter instance n (1 or 2) of the scenario.
func (w *World) exporterInstance(n int) (stack.Service, error) {
	name := "exporter"
	if n != 1 {
		name = fmt.Sprintf("exporter-%d", n)
	}
	svc, ok := w.services[name]
	if !ok {
		return nil, fmt.Errorf("exporter instance %d was not started in this scenario", n)
	}
	return svc, nil
}

// secondExporterJoins starts a second exporter on the same topic and adds it to the
// exporter's scrape job, then waits until Prometheus scrapes both instances as up.
func secondExporterJoins(ctx context.Context) error {
	w := world(ctx)
	first, err := w.exporterInstance(1)
	if err != nil {
		return err
	}
	second, err := w.startExporter(ctx, "exporter-2", w.topic("events"))
	if err != nil {
		return err
	}
	if err := w.mon.SetScrapeJobs(ctx, w.exporterJob(first.ScrapeAddr(), second.ScrapeAddr())); err != nil {
		return err
	}
	return w.eventually(ctx, "Prometheus to scrape both exporter instances as up", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		ups, err := w.upByInstance(ctx)
		if err != nil {
			return false, "", err
		}
		return len(ups) == 2 && ups[first.ScrapeAddr()] == 1 && ups[second.ScrapeAddr()] == 1, fmt.Sprintf("up by instance: %v", ups), nil
	})
}

// upByInstance returns the exporter job's up, by instance.
func (w *World) upByInstance(ctx context.Context) (map[string]float64, error) {
	q := fmt.Sprintf(`up{job=%q}`, exporterJob)
	res, _, _, err := w.mon.API().Query(ctx, q, time.Now())
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	vec, ok := res.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %s: %s, expected a vector", q, res.Type())
	}
	out := map[string]float64{}
	for _, s := range vec {
		out[string(s.Metric["instance"])] = float64(s.Value)
	}
	return out, nil
}

func exporterInstanceStopped(ctx context.Context, n int) error {
	w := world(ctx)
	svc, err := w.exporterInstance(n)
	if err != nil {
		return err
	}
	// The onset is taken before the stop: a scrape may already fail while it shuts down.
	onset := time.Now()
	h, err := chaos.ServiceStop(svc).Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.markOnset(onset, 0, fmt.Sprintf("exporter instance %d stopping", n))
	st := state[alertingState](w)
	if st.stopped == nil {
		st.stopped = map[int]chaos.Handle{}
	}
	st.stopped[n] = h
	w.onCleanup(fmt.Sprintf("restart exporter instance %d", n), h.Undo)
	return nil
}

func exporterInstanceStarted(ctx context.Context, n int) error {
	w := world(ctx)
	h, ok := state[alertingState](w).stopped[n]
	if !ok {
		return fmt.Errorf("exporter instance %d was not stopped in this scenario", n)
	}
	cleared := time.Now() // the condition holds until the restart is under way, not after
	if err := h.Undo(ctx); err != nil {
		return err
	}
	w.markCleared(cleared, fmt.Sprintf("exporter instance %d restarting", n))
	return nil
}

// alertFiresForInstance waits for the alert's firing notification for exporter instance
// n (its instance label) at the receiver, and fails if it fires for any other instance.
func alertFiresForInstance(ctx context.Context, alert string, n int, receiver string, seconds int) error {
	w := world(ctx)
	svc, err := w.exporterInstance(n)
	if err != nil {
		return err
	}
	addr := svc.ScrapeAddr()
	match := func(a webhook.Alert) bool { return a.Labels["instance"] == addr }
	return w.awaitAlert(ctx, alert, receiver, time.Duration(seconds)*time.Second,
		fmt.Sprintf(" for instance %s", addr), match)
}

// instanceStayedUp checks, from Prometheus's own samples since the other instance was
// stopped, that exporter instance n was scraped at every interval and never down.
func instanceStayedUp(ctx context.Context, n int) error {
	w := world(ctx)
	svc, err := w.exporterInstance(n)
	if err != nil {
		return err
	}
	onset, _, ok := w.onset()
	if !ok {
		return fmt.Errorf("no instance was stopped in this scenario")
	}
	secs := int(math.Ceil(time.Since(onset).Seconds()))
	sel := fmt.Sprintf(`up{job=%q,instance=%q}[%ds]`, exporterJob, svc.ScrapeAddr(), secs)
	lowest, err := w.query(ctx, "min_over_time("+sel+")")
	if err != nil {
		return fmt.Errorf("exporter instance %d has no up samples in the last %d s: %w", n, secs, err)
	}
	samples, err := w.query(ctx, "count_over_time("+sel+")")
	if err != nil {
		return err
	}
	interval := monitoring.DefaultInterval.Seconds()
	if want := float64(secs)/interval - 2; samples < want {
		return fmt.Errorf("exporter instance %d was scraped %v times in %d s, expected at least %v", n, samples, secs, want)
	}
	if lowest != 1 {
		return fmt.Errorf("exporter instance %d was down (up = %v) while the other was stopped", n, lowest)
	}
	return nil
}
