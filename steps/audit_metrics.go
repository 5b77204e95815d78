package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/sut"
)

// sample is one series of a scrape; a histogram gives name_sum and name_count.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrapeSeries reads the service's /metrics series by series, labels kept (through the
// one scrapeFamilies).
func scrapeSeries(ctx context.Context, addr string) ([]sample, error) {
	fams, err := scrapeFamilies(ctx, addr)
	if err != nil {
		return nil, err
	}
	var out []sample
	for name, mf := range fams {
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			switch {
			case m.Counter != nil:
				out = append(out, sample{name, l, m.GetCounter().GetValue()})
			case m.Gauge != nil:
				out = append(out, sample{name, l, m.GetGauge().GetValue()})
			case m.Untyped != nil:
				out = append(out, sample{name, l, m.GetUntyped().GetValue()})
			case m.Histogram != nil:
				out = append(out, sample{name + "_sum", l, m.GetHistogram().GetSampleSum()},
					sample{name + "_count", l, float64(m.GetHistogram().GetSampleCount())})
			}
		}
	}
	return out, nil
}

// seriesSum sums the series of name; a name with no series is errNoSeries.
func seriesSum(all []sample, name string) (float64, error) {
	found, sum := false, 0.0
	for _, s := range all {
		if s.name == name {
			found, sum = true, sum+s.value
		}
	}
	if !found {
		return 0, fmt.Errorf("%s: %w", name, errNoSeries)
	}
	return sum, nil
}

// exporterSeriesSum waits until the exporter's metric, summed over its series, is n; a
// metric the exporter does not expose fails with its own message.
func exporterSeriesSum(ctx context.Context, metric string, n, seconds int) error {
	return exporterSeriesWhere(ctx, metric, "", n, seconds)
}

// exporterReasonSeries is exporterSeriesSum over the series with label reason only.
func exporterReasonSeries(ctx context.Context, metric, reason string, n, seconds int) error {
	return exporterSeriesWhere(ctx, metric, reason, n, seconds)
}

func exporterSeriesWhere(ctx context.Context, metric, reason string, n, seconds int) error {
	w := world(ctx)
	if err := w.needMetric(sut.Exporter, metric); err != nil {
		return err
	}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	addr := exp.Addr()
	what := metric
	if reason != "" {
		what = fmt.Sprintf("%s{reason=%q}", metric, reason)
	}
	return w.eventually(ctx, fmt.Sprintf("%s to be %d", what, n), time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		all, err := scrapeSeries(ctx, addr)
		if err != nil {
			return false, "", err
		}
		if reason != "" {
			all = slices.DeleteFunc(all, func(s sample) bool { return s.name == metric && s.labels["reason"] != reason })
		}
		got, err := seriesSum(all, metric)
		if err != nil {
			return false, "the exporter does not expose " + what, nil
		}
		return got == float64(n), fmt.Sprintf("%s = %v", what, got), nil
	})
}

// exporterGapSizes checks the gap-size histogram once the gap counter has settled.
func exporterGapSizes(ctx context.Context, gaps, missing int) error {
	w := world(ctx)
	if err := w.needMetric(sut.Exporter, metricGapSize); err != nil {
		return err
	}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	all, err := scrapeSeries(ctx, exp.Addr())
	if err != nil {
		return err
	}
	count, err := seriesSum(all, "dashstream_sequence_gap_size_count")
	if err != nil {
		return err
	}
	sum, err := seriesSum(all, "dashstream_sequence_gap_size_sum")
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "gap-size histogram", map[string]float64{"count": count, "sum": sum})
	if count != float64(gaps) || sum != float64(missing) {
		return fmt.Errorf("dashstream_sequence_gap_size holds %v gaps of %v missing messages in all, expected %d gaps of %d",
			count, sum, gaps, missing)
	}
	return nil
}

// lagSteady is how long every lag series must read 0 without a break: several refreshes
// of the gauge (LAG_INTERVAL 1 s), so a value set before the records arrived cannot pass.
const lagSteady = 3 * time.Second

// exporterLagZero waits until every partition of the scenario's topic has a lag series
// and each reads 0 in every scrape for lagSteady.
func exporterLagZero(ctx context.Context, seconds int) error {
	w := world(ctx)
	if err := w.needMetric(sut.Exporter, "dashstream_consumer_lag_records"); err != nil {
		return err
	}
	topic := w.topic("events")
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	parts := 0
	ends.Each(func(kadm.ListedOffset) { parts++ })
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	addr := exp.Addr()
	var last []string
	var since time.Time // start of the current run of all-zero scrapes
	err = w.eventually(ctx, fmt.Sprintf("the exporter's lag to read 0 on every partition for %s", lagSteady), time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		all, err := scrapeSeries(ctx, addr)
		if err != nil {
			return false, "", err
		}
		last = last[:0]
		zero := 0
		for _, s := range all {
			if s.name == "dashstream_consumer_lag_records" && s.labels["topic"] == topic {
				last = append(last, fmt.Sprintf("partition %s: %v", s.labels["partition"], s.value))
				if s.value == 0 {
					zero++
				}
			}
		}
		slices.Sort(last)
		if zero != parts || len(last) != parts {
			since = time.Time{}
		} else if since.IsZero() {
			since = time.Now()
		}
		steady := !since.IsZero() && time.Since(since) >= lagSteady
		return steady, fmt.Sprintf("%d partitions, lag %s", parts, strings.Join(last, ", ")), nil
	})
	w.rec.Evidence(evidence.After, evidence.KindMetric, "exporter lag", last)
	return err
}

// exporterQualitySeries checks that metric has exactly one series per thread of the
// scenario for tenant, scope_id the thread id, each at n.
func exporterQualitySeries(ctx context.Context, metric string, n int, tenant string, threads int) error {
	w := world(ctx)
	if err := w.needMetric(sut.Exporter, metric); err != nil {
		return err
	}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	addr := exp.Addr()
	want := map[string]bool{}
	for i := range threads {
		want[fmt.Sprintf("%s-%04d", w.name("thread"), i)] = true
	}
	return w.eventually(ctx, fmt.Sprintf("%s of tenant %s to be %d on %d threads", metric, tenant, n, threads), 20*time.Second,
		func(ctx context.Context) (bool, string, error) {
			all, err := scrapeSeries(ctx, addr)
			if err != nil {
				return false, "", err
			}
			var seen []string
			ok := 0
			for _, s := range all {
				if s.name != metric {
					continue
				}
				seen = append(seen, fmt.Sprintf("%v=%v", s.labels, s.value))
				if s.labels["tenant"] == tenant && want[s.labels["scope_id"]] && s.value == float64(n) {
					ok++
				}
			}
			if len(seen) == 0 {
				return false, "the exporter exposes no series " + metric, nil
			}
			return ok == threads && len(seen) == threads, strings.Join(seen, "; "), nil
		})
}

// exporterSeriesCap counts the exporter's quality series (dashstream_quality_*) and its
// evictions once every message was counted.
func exporterSeriesCap(ctx context.Context, keep, evicted int) error {
	w := world(ctx)
	if err := w.needMetric(sut.Exporter, "dashstream_exporter_quality_series_evicted_total"); err != nil {
		return err
	}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	all, err := scrapeSeries(ctx, exp.Addr())
	if err != nil {
		return err
	}
	n := 0
	for _, s := range all {
		if strings.HasPrefix(s.name, "dashstream_quality_") {
			n++
		}
	}
	ev, err := seriesSum(all, "dashstream_exporter_quality_series_evicted_total")
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "quality series", map[string]any{"series": n, "evicted": ev})
	if n != keep || ev != float64(evicted) {
		return fmt.Errorf("the exporter exposes %d quality series and counts %v evicted, expected at most %d kept and %d evicted", n, ev, keep, evicted)
	}
	return nil
}
