package steps

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

// qualityPrefix starts the name of every quality series (reference/exporter doc.go).
const qualityPrefix = "dashstream_quality_"

// startPrometheusOn starts the scenario's Prometheus scraping svc and waits for up == 1.
func (w *World) startPrometheusOn(ctx context.Context, svc stack.Service) error {
	mon, err := w.stack.StartMonitoring(ctx, w.exporterJob(svc.ScrapeAddr()))
	if err != nil {
		return err
	}
	w.mon = mon
	w.rec.Evidence(evidence.Before, evidence.KindNote, "monitoring", mon.Versions())
	w.onCleanup("prometheus and alertmanager", func(context.Context) error { return mon.Close() })
	return w.eventually(ctx, "Prometheus to scrape the exporter (up == 1)", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		v, err := w.query(ctx, fmt.Sprintf(`up{job=%q}`, exporterJob))
		return v == 1, fmt.Sprintf("up = %v", v), err
	})
}

// qualitySeries returns every dashstream_quality_* series of a scrape.
func qualitySeries(fams map[string]*dto.MetricFamily) map[string]typedValue {
	out := map[string]typedValue{}
	for name, mf := range fams {
		if !strings.HasPrefix(name, qualityPrefix) {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[seriesID(name, labels)] = typedValue{"counter", m.GetCounter().GetValue()}
			case dto.MetricType_GAUGE:
				out[seriesID(name, labels)] = typedValue{"gauge", m.GetGauge().GetValue()}
			default:
				out[seriesID(name, labels)] = typedValue{strings.ToLower(mf.GetType().String()), 0}
			}
		}
	}
	return out
}

// expectedSeries reads a | series | type | value | table.
func expectedSeries(table *godog.Table) (map[string]typedValue, error) {
	rows, err := tableRows(table, "series", "type", "value")
	if err != nil {
		return nil, err
	}
	out := map[string]typedValue{}
	for _, r := range rows {
		id, err := parseSeriesID(r["series"])
		if err != nil {
			return nil, err
		}
		v, err := strconv.ParseFloat(r["value"], 64)
		if err != nil {
			return nil, fmt.Errorf("series %s: value %q: %w", id, r["value"], err)
		}
		out[id] = typedValue{r["type"], v}
	}
	return out, nil
}

// seriesDiff lists, one per line, what got lacks, has too much, or has otherwise than want.
func seriesDiff(want, got map[string]typedValue) []string {
	var out []string
	for id, v := range want {
		g, ok := got[id]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("missing series %s (expected %s)", id, v))
		case g != v:
			out = append(out, fmt.Sprintf("series %s is %s, expected %s", id, g, v))
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			out = append(out, fmt.Sprintf("unexpected series %s = %s", id, g))
		}
	}
	sort.Strings(out)
	return out
}

func qualitySeriesScraped(ctx context.Context, seconds int, table *godog.Table) error {
	w := world(ctx)
	want, err := expectedSeries(table)
	if err != nil {
		return err
	}
	var last map[string]typedValue
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	// A match must hold for a whole second of scrapes: the exporter may pass through the
	// table's state before a later message (a type conflict, say) changes it.
	var since time.Time
	err = w.eventually(ctx, "the exporter's /metrics to hold exactly the quality series of the table, for 1 s", time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		fams, err := scrapeFamilies(ctx, exp.Addr())
		if err != nil {
			return false, "", err
		}
		last = qualitySeries(fams)
		diff := seriesDiff(want, last)
		switch {
		case len(diff) != 0:
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		}
		return !since.IsZero() && time.Since(since) >= time.Second, verdict(diff, len(want)), nil
	})
	w.rec.Evidence(evidence.After, evidence.KindMetric, "quality series in the harness's scrape", shown(last))
	return err
}

// qualityMessagesCounted waits until dashstream_exporter_quality_messages_total{tenant}
// equals, for every tenant, the messages the harness wrote.
func qualityMessagesCounted(ctx context.Context) error {
	w := world(ctx)
	st := state[qualityState](w)
	if len(st.perTenant) == 0 {
		return fmt.Errorf("no quality message was written in this scenario")
	}
	got := map[string]float64{}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	err = w.eventually(ctx, "the exporter to count the quality messages the harness wrote, per tenant", 10*time.Second, func(ctx context.Context) (bool, string, error) {
		fams, err := scrapeFamilies(ctx, exp.Addr())
		if err != nil {
			return false, "", err
		}
		var problems []string
		for tenant, n := range st.perTenant {
			v, ok := familyValue(fams, "dashstream_exporter_quality_messages_total", map[string]string{"tenant": tenant})
			if !ok {
				problems = append(problems, fmt.Sprintf("missing series dashstream_exporter_quality_messages_total{tenant=%q} (the harness wrote %d)", tenant, n))
				continue
			}
			got[tenant] = v
			if v != float64(n) {
				problems = append(problems, fmt.Sprintf("dashstream_exporter_quality_messages_total{tenant=%q} = %v, the harness wrote %d", tenant, v, n))
			}
		}
		sort.Strings(problems)
		return len(problems) == 0, verdict(problems, len(st.perTenant)), nil
	})
	w.rec.Evidence(evidence.After, evidence.KindMetric, "quality messages: exporter's count beside the harness's", map[string]any{"written": st.perTenant, "exporter": got})
	return err
}

// qualitySkipsCounted waits until each series of a | series | type | value | table of
// the exporter's own counters exists and equals its value; other series of those
// families are not judged.
func qualitySkipsCounted(ctx context.Context, table *godog.Table) error {
	w := world(ctx)
	want, err := expectedSeries(table)
	if err != nil {
		return err
	}
	var got map[string]typedValue
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	err = w.eventually(ctx, "the exporter's skip and eviction counters to match the table", 10*time.Second, func(ctx context.Context) (bool, string, error) {
		fams, err := scrapeFamilies(ctx, exp.Addr())
		if err != nil {
			return false, "", err
		}
		got = map[string]typedValue{}
		for id := range want {
			name, _, _ := strings.Cut(id, "{")
			mf := fams[name]
			for _, m := range mf.GetMetric() {
				labels := map[string]string{}
				for _, lp := range m.GetLabel() {
					labels[lp.GetName()] = lp.GetValue()
				}
				if seriesID(name, labels) == id {
					got[id] = typedValue{strings.ToLower(mf.GetType().String()), m.GetCounter().GetValue() + m.GetGauge().GetValue()}
				}
			}
		}
		diff := seriesDiff(want, got)
		return len(diff) == 0, verdict(diff, len(want)), nil
	})
	w.rec.Evidence(evidence.After, evidence.KindMetric, "skipped quality values and evicted series", shown(got))
	return err
}

// qualitySeriesInPrometheus waits until Prometheus's latest samples of every
// dashstream_quality_* series of the exporter's job are exactly those of the harness's
// own last scrape (name, tenant, scope_id and value).
func qualitySeriesInPrometheus(ctx context.Context, seconds int) error {
	w := world(ctx)
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	fams, err := scrapeFamilies(ctx, exp.Addr())
	if err != nil {
		return err
	}
	want := map[string]typedValue{}
	for id, v := range qualitySeries(fams) {
		want[id] = typedValue{"sample", v.value}
	}
	q := fmt.Sprintf(`{__name__=~"%s.+",job=%q}`, qualityPrefix, exporterJob)
	return w.eventually(ctx, "Prometheus to hold exactly the exporter's quality series", time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		res, _, _, err := w.mon.API().Query(ctx, q, time.Now())
		if err != nil {
			return false, "", err
		}
		vec, ok := res.(model.Vector)
		if !ok {
			return false, "", fmt.Errorf("%s: a %s, not a vector", q, res.Type())
		}
		got := map[string]typedValue{}
		for _, s := range vec {
			labels := map[string]string{}
			for k, v := range s.Metric {
				if k != model.MetricNameLabel && k != "job" && k != "instance" {
					labels[string(k)] = string(v)
				}
			}
			got[seriesID(string(s.Metric[model.MetricNameLabel]), labels)] = typedValue{"sample", float64(s.Value)}
		}
		diff := seriesDiff(want, got)
		return len(diff) == 0, verdict(diff, len(want)), nil
	})
}
