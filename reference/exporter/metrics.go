package exporter

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/wire"
)

// Metric names of the exporter's own metrics; doc.go lists them with their meaning.
const (
	MetricE2ELatency          = "dashstream_e2e_latency_seconds"
	MetricE2ENegative         = "dashstream_e2e_latency_negative_total"
	MetricE2EMissingTimestamp = "dashstream_e2e_latency_missing_timestamp_total"
	MetricConsumerLag         = "dashstream_consumer_lag_records"
	MetricKafkaConnected      = "dashstream_exporter_kafka_connected"
	MetricConnectAttempts     = "dashstream_exporter_kafka_connect_attempts_total"
	MetricKafkaFailures       = "dashstream_exporter_kafka_failures_total"
	MetricQualityMessages     = "dashstream_exporter_quality_messages_total"
	MetricQualitySkipped      = "dashstream_exporter_quality_values_skipped_total"
	MetricQualityEvicted      = "dashstream_exporter_quality_series_evicted_total"
	MetricInvalidTenants      = "dashstream_exporter_invalid_tenants_total"
	// QualityPrefix starts the name of every metric carried by a quality event.
	QualityPrefix = "dashstream_quality_"
)

// LatencyBuckets are the buckets of dashstream_e2e_latency_seconds: dense around the
// 500 ms p99 alert threshold (0.4, 0.5 and 0.6 are bounds) so histogram_quantile is
// accurate where the alert decides.
var LatencyBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 2.5, 5, 10, 30, 60}

// Reasons a quality value is skipped (label reason of dashstream_exporter_quality_values_skipped_total).
const (
	SkipNotNumeric   = "not_numeric"
	SkipTypeConflict = "type_conflict"
	SkipBadName      = "bad_name"
)

type metrics struct {
	latency          prometheus.Histogram
	negative         prometheus.Counter
	missingTimestamp prometheus.Counter
	lag              *prometheus.GaugeVec
	qualityMessages  *prometheus.CounterVec
	qualitySkipped   *prometheus.CounterVec
	qualityEvicted   prometheus.Counter
	invalidTenants   *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, g *backoff.Guard, q *quality) (*metrics, error) {
	m := &metrics{
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricE2ELatency,
			Help:    "Time from a message's header timestamp_us to its receipt by the exporter, in seconds (never negative).",
			Buckets: LatencyBuckets}),
		negative: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricE2ENegative,
			Help: "Messages received before their header timestamp (producer clock ahead); not observed in the latency histogram."}),
		missingTimestamp: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricE2EMissingTimestamp,
			Help: "Messages without a header timestamp_us; not observed in the latency histogram."}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricConsumerLag,
			Help: "Records not yet consumed: partition high watermark minus the next offset of the exporter (group \"\" or its own group) or of a watched consumer group."}, []string{"group", "topic", "partition"}),
		qualityMessages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricQualityMessages,
			Help: "Quality events (Metrics messages with scope \"quality\") received, by tenant."}, []string{"tenant"}),
		qualitySkipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricQualitySkipped,
			Help: "Values of quality events not exported, by reason (not_numeric, type_conflict, bad_name)."}, []string{"reason"}),
		qualityEvicted: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricQualityEvicted,
			Help: "dashstream_quality_* series evicted (least recently updated) to respect the series cap."}),
		invalidTenants: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricInvalidTenants,
			Help: "Quality events whose tenant id breaks the tenant rule, by reason (empty, too_long, bad_characters); their values are not exported."}, []string{"reason"}),
	}
	for _, r := range []string{SkipNotNumeric, SkipTypeConflict, SkipBadName} {
		m.qualitySkipped.WithLabelValues(r)
	}
	for _, r := range wire.TenantReasons {
		m.invalidTenants.WithLabelValues(r)
	}
	connected := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricKafkaConnected,
		Help: "1 when the last outcome on a Kafka connection was a success, 0 after a failed dial or request."},
		func() float64 {
			if g.Connected() {
				return 1
			}
			return 0
		})
	attempts := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: MetricConnectAttempts,
		Help: "Connection attempts to Kafka brokers (dials, failed or not)."}, func() float64 { return float64(g.Attempts()) })
	failures := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: MetricKafkaFailures,
		Help: "Failed Kafka dials and requests."}, func() float64 { return float64(g.Failures()) })
	for _, c := range []prometheus.Collector{m.latency, m.negative, m.missingTimestamp, m.lag, m.qualityMessages,
		m.qualitySkipped, m.qualityEvicted, m.invalidTenants, connected, attempts, failures, q} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
