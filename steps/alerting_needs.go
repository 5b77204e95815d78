package steps

import (
	"context"
	"regexp"
	"strings"

	"github.com/dashstream/acceptance/system/sut"
)

// matcherRE finds the label names of a selector's matchers (`{reason="decompress"}`).
var matcherRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)

// selectorParts splits a selector as Prometheus prints it into its metric name and the
// label names its matchers test.
func selectorParts(sel string) (name string, labels []string) {
	name, rest, _ := strings.Cut(sel, "{")
	for _, m := range matcherRE.FindAllStringSubmatch(rest, -1) {
		labels = append(labels, m[1])
	}
	return name, labels
}

// needAlertInputs skips the scenario when the exporter of the implementation under test
// lacks a metric, or a label a matcher tests, that the alert's expression reads, as the
// scenario's Prometheus loaded it: such an alert cannot fire for that implementation,
// a difference of contract the profile declares, not a defect a wait would find. up is
// Prometheus's own series and needs nothing.
func (w *World) needAlertInputs(ctx context.Context, alert string) error {
	r, err := w.loadedRule(ctx, alert)
	if err != nil {
		return err
	}
	for _, sel := range r.Selectors {
		name, labels := selectorParts(sel)
		if name == "up" {
			continue
		}
		if err := w.needMetric(sut.Exporter, name); err != nil {
			return err
		}
		for _, l := range labels {
			if err := w.sut.MetricLabel(sut.Exporter, w.contractFamily(name), l); err != nil {
				return w.lacking(err)
			}
		}
	}
	return nil
}
