package sut

import (
	"maps"
	"slices"

	dto "github.com/prometheus/client_model/go"
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
