package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/stack"
)

// alertLatencyTolerance is how far past the profile's floor an alert may arrive.
const alertLatencyTolerance = 2 * time.Second

// alertingState is what the alerting steps remember in a scenario.
type alertingState struct {
	// fired holds, by alert name, where its firing notification arrived.
	fired map[string]firedAlert
	// stopped holds the stop of each exporter instance (by number) still to undo.
	stopped map[int]chaos.Handle
}

// firedAlert is a firing notification the scenario saw: its receiver, and which alerts
// of that name are the scenario's (all of them, or those of one instance).
type firedAlert struct {
	receiver string
	match    func(webhook.Alert) bool
}

func anyAlert(webhook.Alert) bool { return true }

// alertFires waits for the alert's firing notification at the receiver; see awaitAlert.
func alertFires(ctx context.Context, alert, receiver string, seconds int) error {
	return world(ctx).awaitAlert(ctx, alert, receiver, time.Duration(seconds)*time.Second, "", anyAlert)
}

// awaitAlert waits until a firing notification of the alert (those match accepts)
// reaches the receiver's webhook and Alertmanager's API v2 lists it for that receiver,
// and fails as soon as the alert reaches any other receiver or fires for a series match
// refuses. Alertmanager is asked at every poll: a short-lived alert may be resolved by
// the time the webhook call arrives. When the scenario knows the condition's onset, the
// latency from it to the webhook's arrival must lie between for: + group_wait (nothing
// can be faster) and the profile's floor + alertLatencyTolerance.
func (w *World) awaitAlert(ctx context.Context, alert, receiver string, within time.Duration, which string, match func(webhook.Alert) bool) error {
	if err := w.need(stack.ReceiveAlerts); err != nil {
		return err
	}
	if err := w.needAlertInputs(ctx, alert); err != nil {
		return err
	}
	var (
		d      webhook.Delivery
		listed []monitoring.AMAlert // Alertmanager's alerts when it first listed this one
		stray  string
	)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	err := w.eventually(pctx, fmt.Sprintf("%s%s to reach %s only, in Alertmanager's API and as a webhook call", alert, which, receiver),
		within, func(ctx context.Context) (bool, string, error) {
			ds := w.mon.Deliveries()
			if stray = strays(ds, alert, receiver, match); stray != "" {
				stop()
				return false, stray, nil
			}
			if listed == nil {
				am, err := w.mon.Alerts(ctx)
				if err != nil {
					return false, "", err
				}
				if amLists(am, alert, receiver) {
					listed = am
				}
			}
			delivered := false
			for _, x := range ds {
				if firing(x, alert, receiver, match) {
					d, delivered = x, true
					break
				}
			}
			return delivered && listed != nil, fmt.Sprintf("Alertmanager lists it for %s: %t; webhook: %d deliveries, firing %s%s to %s: %t",
				receiver, listed != nil, len(ds), alert, which, receiver, delivered), nil
		})
	if stray != "" {
		return fmt.Errorf("%s%s must reach %s only: %s", alert, which, receiver, stray)
	}
	if err != nil {
		return err
	}
	state[alertingState](w).remember(alert, firedAlert{receiver: receiver, match: match})
	w.rec.MarkAt(d.Arrived, evidence.EventAlertFiring, alert, "delivered to "+receiver)
	w.rec.Evidence(evidence.During, evidence.KindAlert, "alertmanager alerts", listed)
	onset, late, ok := w.onset()
	if !ok {
		return fmt.Errorf("%s reached %s, but the scenario did not record when its condition began: its latency cannot be judged", alert, receiver)
	}
	return w.alertLatencyWithinFloor(ctx, alert, receiver, d.Arrived.Sub(onset), late)
}

func (s *alertingState) remember(alert string, f firedAlert) {
	if s.fired == nil {
		s.fired = map[string]firedAlert{}
	}
	s.fired[alert] = f
}

// alertLatencyWithinFloor records the alert's latency beside its floor and checks it.
func (w *World) alertLatencyWithinFloor(ctx context.Context, alert, receiver string, latency, late time.Duration) error {
	r, err := w.loadedRule(ctx, alert)
	if err != nil {
		return err
	}
	groupWait, err := w.mon.GroupWait(receiver)
	if err != nil {
		return err
	}
	forDur := time.Duration(r.For * float64(time.Second))
	scrape, eval := monitoring.DefaultInterval, monitoring.DefaultInterval
	floor := scrape + eval + forDur + groupWait
	least := forDur + groupWait
	w.rec.Evidence(evidence.During, evidence.KindMetric, "alert latency", map[string]any{
		"alert": alert, "latency_seconds": latency.Seconds(), "floor_seconds": floor.Seconds(),
		"over_floor_seconds": (latency - floor).Seconds(), "least_seconds": least.Seconds(), "onset_slack_seconds": late.Seconds()})
	parts := fmt.Sprintf("scrape %s + evaluation %s + for: %s + group_wait %s", scrape, eval, forDur, groupWait)
	switch {
	case latency > floor+alertLatencyTolerance+late:
		return fmt.Errorf("%s reached %s %.1f s after its condition began, more than the profile's floor %.1f s (%s) + %s (+ %s the condition may have begun later)",
			alert, receiver, latency.Seconds(), floor.Seconds(), parts, alertLatencyTolerance, late)
	case latency < least:
		return fmt.Errorf("%s reached %s %.1f s after its condition began, sooner than its for: + group_wait (%s) allow",
			alert, receiver, latency.Seconds(), least)
	}
	return nil
}

// alertResolved waits until the alert's resolution reaches the receiver that got its
// firing notification in this scenario, and fails as soon as the alert reaches another,
// or when the resolution arrived before the scenario cleared the condition.
func alertResolved(ctx context.Context, alert string, seconds int) error {
	w := world(ctx)
	if err := w.need(stack.ReceiveAlerts); err != nil {
		return err
	}
	f, ok := state[alertingState](w).fired[alert]
	if !ok {
		return fmt.Errorf("%s was not seen firing in this scenario: a resolution is judged at the receiver of its firing notification", alert)
	}
	var (
		stray string
		early error
	)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	err := w.eventually(pctx, fmt.Sprintf("%s to be resolved at %s", alert, f.receiver), time.Duration(seconds)*time.Second,
		func(context.Context) (bool, string, error) {
			ds := w.mon.Deliveries()
			if stray = strays(ds, alert, f.receiver, f.match); stray != "" {
				stop()
				return false, stray, nil
			}
			for _, x := range ds {
				if resolved(x, alert, f.receiver, f.match) {
					w.rec.MarkAt(x.Arrived, evidence.EventAlertResolved, alert, "resolved at "+x.Receiver)
					if cleared := w.cleared(); !cleared.IsZero() && x.Arrived.Before(cleared) {
						early = fmt.Errorf("%s was resolved at %s, %.1f s before its condition was cleared: it resolved while the condition held",
							alert, x.Arrived.Format("15:04:05.000"), cleared.Sub(x.Arrived).Seconds())
						stop()
						return false, early.Error(), nil
					}
					return true, x.String(), nil
				}
			}
			return false, fmt.Sprintf("%d deliveries, none resolving %s at %s", len(ds), alert, f.receiver), nil
		})
	if stray != "" {
		return fmt.Errorf("%s must be resolved at %s, the receiver it fired at: %s", alert, f.receiver, stray)
	}
	if early != nil {
		return early
	}
	return err
}

// strays describes the deliveries of alert that the scenario must not see: any to a
// receiver other than receiver, and firing ones for series match refuses; "" when none.
func strays(ds []webhook.Delivery, alert, receiver string, match func(webhook.Alert) bool) string {
	var out []string
	for _, d := range ds {
		for _, a := range d.Alerts {
			if a.Name() != alert {
				continue
			}
			switch {
			case d.Receiver != receiver:
				out = append(out, fmt.Sprintf("%s %s reached %s (delivery %s)", a.Status, alert, d.Receiver, d))
			case a.Status == "firing" && !match(a):
				out = append(out, fmt.Sprintf("%s fired for %v (delivery %s)", alert, a.Labels, d))
			}
		}
	}
	return strings.Join(out, "; ")
}

func firing(d webhook.Delivery, alert, receiver string, match func(webhook.Alert) bool) bool {
	return hasAlert(d, alert, receiver, "firing", match)
}

func resolved(d webhook.Delivery, alert, receiver string, match func(webhook.Alert) bool) bool {
	return hasAlert(d, alert, receiver, "resolved", match)
}

func hasAlert(d webhook.Delivery, alert, receiver, status string, match func(webhook.Alert) bool) bool {
	if d.Err != nil || d.Receiver != receiver {
		return false
	}
	for _, a := range d.Alerts {
		if a.Name() == alert && a.Status == status && match(a) {
			return true
		}
	}
	return false
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
