package steps

import (
	"context"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/sut"
)

// needAlertInputs skips the scenario when the exporter of the implementation under test
// lacks a metric, or a label a matcher tests, that the alert's expression reads, as the
// scenario's Prometheus loaded and parses it: such an alert cannot fire for that
// implementation, a difference of contract the profile declares, not a defect a wait
// would find.
func (w *World) needAlertInputs(ctx context.Context, alert string) error {
	r, err := w.loadedRule(ctx, alert)
	if err != nil {
		return err
	}
	sels, err := w.mon.Selectors(ctx, r.Query)
	if err != nil {
		return err
	}
	return w.lacking(exporterLacks(w.sut, sels))
}

// exporterLacks returns, as a *sut.Missing, the first metric or matcher label of sels
// that p's exporter lacks, or nil. up is Prometheus's own series and needs nothing; a
// selector by matchers alone names no metric to look for.
func exporterLacks(p *sut.Profile, sels []monitoring.Selector) error {
	for _, s := range sels {
		if s.Name == "" || s.Name == "up" {
			continue
		}
		family := contractFamily(p, s.Name)
		if _, err := p.MetricOf(sut.Exporter, family); err != nil {
			return err
		}
		for _, m := range s.Matchers {
			if err := p.MetricLabel(sut.Exporter, family, m.Name); err != nil {
				return err
			}
		}
	}
	return nil
}
