package sut

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	dto "github.com/prometheus/client_model/go"

	"github.com/dashstream/acceptance/system/monitoring"
)

// ContractFamilies returns a scrape of the implementation in the contract's names: every
// family the profile maps is added under its contract name (its series selected and
// labels renamed); the implementation's own families stay beside them, so a failure can
// show what it does expose. A native profile's scrape is returned as it is.
func (p *Profile) ContractFamilies(fams map[string]*dto.MetricFamily) map[string]*dto.MetricFamily {
	if p.MetricsNative && len(p.Metrics) == 0 {
		return fams
	}
	out := maps.Clone(fams)
	for _, contract := range slices.Sorted(maps.Keys(p.Metrics)) {
		if p.MetricsNative {
			if _, own := fams[contract]; own {
				continue
			}
		}
		for _, m := range p.Metrics[contract] {
			f, ok := fams[m.Name]
			if m.Missing != "" || !ok {
				continue
			}
			out[contract] = m.translate(contract, f)
			break
		}
	}
	return out
}

// translate copies f under the contract's name with the selected series, their labels
// renamed and the selecting labels dropped.
func (m Metric) translate(contract string, f *dto.MetricFamily) *dto.MetricFamily {
	inv := make(map[string]string, len(m.Labels))
	for c, own := range m.Labels {
		inv[own] = c
	}
	name := contract
	out := &dto.MetricFamily{Name: &name, Help: f.Help, Type: f.Type, Unit: f.Unit}
	for _, s := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range s.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		keep := true
		for k, v := range m.Select {
			keep = keep && have[k] == v
		}
		if !keep {
			continue
		}
		c := &dto.Metric{Counter: s.Counter, Gauge: s.Gauge, Histogram: s.Histogram, Summary: s.Summary, Untyped: s.Untyped, TimestampMs: s.TimestampMs}
		for _, l := range s.GetLabel() {
			if _, selected := m.Select[l.GetName()]; selected {
				continue
			}
			ln := l.GetName()
			if cn, ok := inv[ln]; ok {
				ln = cn
			}
			c.Label = append(c.Label, &dto.LabelPair{Name: &ln, Value: l.Value})
		}
		out.Metric = append(out.Metric, c)
	}
	return out
}

// Relabel returns the Prometheus metric_relabel_configs rules that give role's scrape
// the contract's names, as ContractFamilies does for the harness's own reads, so that the
// production alert rules read another implementation's metrics: each family the profile
// maps for role gets its contract labels copied from the implementation's, then (its
// selected series only) the contract's name, histogram suffixes kept. The
// implementation's own labels stay on the renamed series (the rules aggregate them away).
// None for a metric the implementation exposes under the contract's name.
func (p *Profile) Relabel(role Role) []monitoring.Relabel {
	var copies, renames []monitoring.Relabel
	for _, contract := range slices.Sorted(maps.Keys(p.Metrics)) {
		for _, m := range p.Metrics[contract] {
			if m.Missing != "" || m.Name == "" || m.Name == contract || (m.Role != "" && m.Role != role) {
				continue
			}
			keys := slices.Sorted(maps.Keys(m.Select))
			source := append([]string{"__name__"}, keys...)
			values := ""
			for _, k := range keys {
				values += ";" + regexp.QuoteMeta(m.Select[k])
			}
			name := regexp.QuoteMeta(m.Name)
			for _, cl := range slices.Sorted(maps.Keys(m.Labels)) {
				copies = append(copies, monitoring.Relabel{SourceLabels: append(slices.Clone(source), m.Labels[cl]),
					Regex: name + `(?:_bucket|_sum|_count)?` + values + `;(.+)`, TargetLabel: cl, Replacement: "${1}"})
			}
			renames = append(renames, monitoring.Relabel{SourceLabels: source,
				Regex: name + `(_bucket|_sum|_count)?` + values, TargetLabel: "__name__", Replacement: contract + "${1}"})
		}
	}
	return append(copies, renames...)
}

// MetricLabel reports, as a *Missing, when role's metric for a contract family lacks a
// contract label (DashFlow's decode failures have no reason); a family the
// implementation exposes under the contract's name is taken to have the contract's labels.
func (p *Profile) MetricLabel(role Role, contract, label string) error {
	m, err := p.MetricOf(role, contract)
	if err != nil {
		return err
	}
	if m.Name == contract || m.Labels[label] != "" {
		return nil
	}
	return &Missing{Profile: p.Name, Capability: "label " + label + " of " + contract,
		Reason: fmt.Sprintf("its %s has no label for the contract's %s", m.Name, label)}
}
