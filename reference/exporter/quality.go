package exporter

import (
	"container/list"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// quality holds the latest value of every (metric, tenant, scope_id) carried by quality
// events and exports them as dashstream_quality_* series. It is an unchecked collector:
// its families are only known once events arrive.
type quality struct {
	max     int
	onEvict func()

	mu       sync.Mutex
	families map[string]*family
	series   map[seriesKey]*list.Element // of *series
	lru      list.List                   // front: most recently updated
}

type family struct {
	typ  prometheus.ValueType
	desc *prometheus.Desc
	n    int
}

type seriesKey struct{ name, tenant, scopeID string }

type series struct {
	key   seriesKey
	value float64
}

var _ prometheus.Collector = (*quality)(nil)

func newQuality(max int, onEvict func()) *quality {
	return &quality{max: max, onEvict: onEvict, families: map[string]*family{}, series: map[seriesKey]*list.Element{}}
}

// qualityName returns the exported name of a quality metric and its type: counters get
// "_total" (unless they have it), every other type is a gauge. ok is false for a name
// with no letter or digit.
func qualityName(name string, typ dspb.MetricType) (string, prometheus.ValueType, bool) {
	var b strings.Builder
	b.WriteString(QualityPrefix)
	useful := false
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			useful = true
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	if !useful {
		return "", 0, false
	}
	if typ == dspb.MetricType_METRIC_TYPE_COUNTER {
		if !strings.HasSuffix(b.String(), "_total") {
			b.WriteString("_total")
		}
		return b.String(), prometheus.CounterValue, true
	}
	return b.String(), prometheus.GaugeValue, true
}

// numeric returns the value of an int, float or bool MetricValue.
func numeric(v *dspb.MetricValue) (float64, bool) {
	switch x := v.GetValue().(type) {
	case *dspb.MetricValue_IntValue:
		return float64(x.IntValue), true
	case *dspb.MetricValue_FloatValue:
		return x.FloatValue, true
	case *dspb.MetricValue_BoolValue:
		if x.BoolValue {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// observe records one value; it returns the skip reason, or "" when it was recorded.
func (q *quality) observe(tenant, scopeID, name string, v *dspb.MetricValue) string {
	f, ok := numeric(v)
	if !ok {
		return SkipNotNumeric
	}
	full, typ, ok := qualityName(name, v.GetType())
	if !ok {
		return SkipBadName
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	fam := q.families[full]
	if fam != nil && fam.typ != typ {
		return SkipTypeConflict
	}
	key := seriesKey{full, tenant, scopeID}
	if el := q.series[key]; el != nil {
		el.Value.(*series).value = f
		q.lru.MoveToFront(el)
		return ""
	}
	if len(q.series) >= q.max {
		q.evictOldest()
		fam = q.families[full] // eviction may have removed it
	}
	if fam == nil {
		fam = &family{typ: typ, desc: prometheus.NewDesc(full,
			"DashStream quality metric "+name+" (latest value from Metrics messages with scope \"quality\").",
			[]string{"tenant", "scope_id"}, nil)}
		q.families[full] = fam
	}
	fam.n++
	q.series[key] = q.lru.PushFront(&series{key: key, value: f})
	return ""
}

// evictOldest removes the least recently updated series, the back of the list: O(1),
// nothing is scanned; q.mu is held.
func (q *quality) evictOldest() {
	el := q.lru.Back()
	if el == nil {
		return
	}
	oldest := q.lru.Remove(el).(*series).key
	delete(q.series, oldest)
	if fam := q.families[oldest.name]; fam != nil {
		if fam.n--; fam.n == 0 {
			delete(q.families, oldest.name)
		}
	}
	if q.onEvict != nil {
		q.onEvict()
	}
}

// Describe implements prometheus.Collector; it describes nothing (unchecked collector).
func (q *quality) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (q *quality) Collect(ch chan<- prometheus.Metric) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for el := q.lru.Front(); el != nil; el = el.Next() {
		s := el.Value.(*series)
		fam := q.families[s.key.name]
		ch <- prometheus.MustNewConstMetric(fam.desc, fam.typ, s.value, s.key.tenant, s.key.scopeID)
	}
}
