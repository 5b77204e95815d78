package steps

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// consumerMetrics is what a long-running consumer exposed at GET /metrics, scraped just
// before it was stopped, by family name. A run-to-completion consumer listens nowhere and
// has none (nil).
type consumerMetrics map[string]*dto.MetricFamily

// series returns the one series of name whose labels include labels; a family or series
// that is missing is an error of its own, never a 0.
func (m consumerMetrics) series(name string, labels map[string]string) (*dto.Metric, error) {
	f, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("the consumer exposes no %s", name)
	}
	for _, s := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range s.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			match = match && have[k] == v
		}
		if match {
			return s, nil
		}
	}
	return nil, fmt.Errorf("the consumer exposes %s but not %s", name, seriesName(name, labels))
}

// expect checks counters (by name, optionally with labels) against what the harness
// expects; nil metrics (a consumer without an endpoint) check nothing.
func (m consumerMetrics) expect(want ...metricWant) error {
	if m == nil {
		return nil
	}
	var errs []error
	for _, w := range want {
		s, err := m.series(w.name, w.labels)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got := s.GetCounter().GetValue()
		if h := s.GetHistogram(); h != nil {
			got = float64(h.GetSampleCount())
			if w.sum >= 0 && h.GetSampleSum() != w.sum {
				errs = append(errs, fmt.Errorf("the consumer's %s sums to %g, expected %g", w.name, h.GetSampleSum(), w.sum))
			}
		}
		if got != w.value {
			errs = append(errs, fmt.Errorf("the consumer's %s is %g, expected %g", seriesName(w.name, w.labels), got, w.value))
		}
	}
	return errors.Join(errs...)
}

// metricWant is one expected series: a counter's value, or a histogram's sample count
// and (sum >= 0) its sum.
type metricWant struct {
	name   string
	labels map[string]string
	value  float64
	sum    float64
}

func counterIs(name string, v uint64) metricWant {
	return metricWant{name: name, value: float64(v), sum: -1}
}

// seriesName writes a series as Prometheus does: name{k="v",...}, labels sorted.
func seriesName(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	var kv []string
	for k, v := range labels {
		kv = append(kv, fmt.Sprintf("%s=%q", k, v))
	}
	slices.Sort(kv)
	return name + "{" + strings.Join(kv, ",") + "}"
}

// summary returns the value of every dashstream_* series, by its name with labels (a
// histogram by its count and sum), for the evidence.
func (m consumerMetrics) summary() map[string]float64 {
	out := map[string]float64{}
	for name, f := range m {
		if !strings.HasPrefix(name, "dashstream_") {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			key := seriesName(name, labels)
			if h := s.GetHistogram(); h != nil {
				out[key+"_count"], out[key+"_sum"] = float64(h.GetSampleCount()), h.GetSampleSum()
				continue
			}
			out[key] = s.GetCounter().GetValue() + s.GetGauge().GetValue()
		}
	}
	return out
}
