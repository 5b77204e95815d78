package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/stack"
)

// AlertSpec configures MeasureAlert.
type AlertSpec struct {
	// Reps is how many times the alert is raised (default 10).
	Reps int
	// Timeout bounds each wait (exporter ready, scraped, alert delivered); default 60 s.
	Timeout time.Duration
	// Log receives a line per repetition; nil discards.
	Log io.Writer
}

// alertName and alertReceiver: the alert measured and where the fast profile routes it.
const (
	alertName     = "ServiceDown"
	alertReceiver = "pager"
	exporterJob   = "dashstream-exporter"
)

// MeasureAlert measures ServiceDown's latency on st: it runs the exporter, and Reps times
// starts a fresh Prometheus and Alertmanager (fast profile) scraping it, waits for
// up == 1, stops the exporter (chaos.ServiceStop; the onset is when it returned), waits for the firing
// notification at the pager webhook, then closes the monitoring and undoes the stop
// (the exporter is restarted and serves). A fresh monitoring stack per repetition keeps Alertmanager's group_interval
// of an earlier notification out of the figure. It returns the latency, the floor
// (scrape + evaluation interval + the rule's for: + group_wait) and latency − floor.
func MeasureAlert(ctx context.Context, st stack.Stack, spec AlertSpec) ([]Figure, error) {
	if spec.Reps <= 0 {
		spec.Reps = 10
	}
	if spec.Timeout <= 0 {
		spec.Timeout = time.Minute
	}
	if spec.Log == nil {
		spec.Log = io.Discard
	}
	topic := fmt.Sprintf("bench-alert-%d", time.Now().UnixNano())
	svc, err := st.Services().Start(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR",
		Env: map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": topic + "-dlq"}})
	if err != nil {
		return nil, fmt.Errorf("alert latency: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = svc.Stop(sctx)
	}()
	var latency, floor, over []float64
	faults := &chaos.Journal{W: spec.Log}
	for rep := range spec.Reps {
		l, f, err := alertOnce(ctx, st, svc, faults, spec.Timeout)
		if err != nil {
			return nil, fmt.Errorf("alert latency: repetition %d: %w", rep+1, err)
		}
		latency, floor, over = append(latency, l.Seconds()), append(floor, f.Seconds()), append(over, (l-f).Seconds())
		fmt.Fprintf(spec.Log, "alert %d: %s delivered %.2f s after the exporter stopped (floor %.1f s, over %.2f s)\n",
			rep+1, alertName, l.Seconds(), f.Seconds(), (l - f).Seconds())
	}
	return []Figure{
		NewFigure(FigAlertLatency, "s", "exporter stopped → ServiceDown firing at the pager webhook", latency...),
		NewFigure(FigAlertFloor, "s", "scrape + evaluation interval + for: + group_wait", floor...),
		NewFigure(FigAlertOverFloor, "s", "latency − floor", over...),
	}, nil
}

// alertOnce is one repetition; it leaves the exporter running.
func alertOnce(ctx context.Context, st stack.Stack, svc stack.Service, faults chaos.Timeline, timeout time.Duration) (latency, floor time.Duration, err error) {
	if err := Eventually(ctx, "the exporter to be ready (/readyz 200)", timeout, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), "/readyz")
		return code == 200, fmt.Sprintf("/readyz %d", code), err
	}); err != nil {
		return 0, 0, fmt.Errorf("%w; exporter log:\n%s", err, svc.Log(20))
	}
	mon, err := st.StartMonitoring(ctx, monitoring.ScrapeJob{Name: exporterJob, Targets: []string{svc.ScrapeAddr()}})
	if err != nil {
		return 0, 0, err
	}
	defer mon.Close()
	if err := Eventually(ctx, "Prometheus to scrape the exporter (up == 1)", timeout, func(ctx context.Context) (bool, string, error) {
		res, _, _, err := mon.API().Query(ctx, fmt.Sprintf(`up{job=%q}`, exporterJob), time.Now())
		if err != nil {
			return false, "", err
		}
		vec, _ := res.(model.Vector)
		return len(vec) == 1 && vec[0].Value == 1, fmt.Sprintf("up = %v", vec), nil
	}); err != nil {
		return 0, 0, err
	}
	if floor, err = alertFloor(ctx, mon); err != nil {
		return 0, 0, err
	}
	h, err := chaos.ServiceStop(svc).Inject(ctx, faults)
	if err != nil {
		return 0, 0, err
	}
	defer func() { // a repetition that failed still leaves the exporter running
		if err != nil {
			_ = h.Undo(context.WithoutCancel(ctx))
		}
	}()
	onset := time.Now()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := mon.WaitFor(wctx, webhook.Firing(alertName, alertReceiver))
	if err != nil {
		return 0, 0, err
	}
	latency = d.Arrived.Sub(onset)
	if err := h.Undo(ctx); err != nil {
		return 0, 0, err
	}
	return latency, floor, nil
}

// alertFloor is the least time ServiceDown can take from its condition to the webhook:
// scrape interval + evaluation interval + the loaded rule's for: + group_wait (of the
// configuration the running Alertmanager has), as steps/alerting_delivery.go computes it.
func alertFloor(ctx context.Context, mon monitoring.Monitoring) (time.Duration, error) {
	rules, err := mon.API().Rules(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("alert floor: %w", err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if a, ok := r.(v1.AlertingRule); ok && a.Name == alertName {
				groupWait, err := mon.GroupWait(alertReceiver)
				if err != nil {
					return 0, fmt.Errorf("alert floor: %w", err)
				}
				return 2*monitoring.DefaultInterval + time.Duration(a.Duration*float64(time.Second)) + groupWait, nil
			}
		}
	}
	return 0, fmt.Errorf("alert floor: %s is not loaded", alertName)
}
