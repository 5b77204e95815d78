package consumer

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dashstream/acceptance/reference/wire"
)

// Metric names; doc.go lists them with their meaning.
const (
	MetricReceived       = "dashstream_messages_received_total"
	MetricDecodeFailures = "dashstream_decode_failures_total"
	MetricGaps           = "dashstream_sequence_gaps_total"
	MetricDuplicates     = "dashstream_sequence_duplicates_total"
	MetricReorders       = "dashstream_sequence_reorders_total"
	MetricZero           = "dashstream_sequence_zero_total"
	MetricGapSize        = "dashstream_sequence_gap_size"
	MetricDLQRecords     = "dashstream_dlq_records_total"
	MetricDLQFailures    = "dashstream_dlq_failures_total"
)

// Reasons are the values of the reason label of dashstream_decode_failures_total.
var Reasons = []string{wire.ReasonFraming, wire.ReasonDecompress, wire.ReasonTooLarge, wire.ReasonProtobuf}

// GapSizeBuckets are the buckets of dashstream_sequence_gap_size.
var GapSizeBuckets = []float64{1, 2, 5, 10, 25, 50, 100, 250, 1000, 10000}

type metrics struct {
	received       prometheus.Counter
	decodeFailures *prometheus.CounterVec
	gaps           prometheus.Counter
	duplicates     prometheus.Counter
	reorders       prometheus.Counter
	zero           prometheus.Counter
	gapSize        prometheus.Histogram
	dlqRecords     prometheus.Counter
	dlqFailures    prometheus.Counter
	reg            prometheus.Registerer
	all            []prometheus.Collector
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// newMetrics creates the metrics and registers them on reg; on failure nothing stays
// registered.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		received: counter(MetricReceived, "DashStream messages decoded, whatever their sequence verdict."),
		decodeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricDecodeFailures,
			Help: "Records that failed to decode, by reason (framing, decompress, too_large, protobuf)."}, []string{"reason"}),
		gaps:       counter(MetricGaps, "Sequence gaps: a thread's sequence jumped past the expected one."),
		duplicates: counter(MetricDuplicates, "Messages whose sequence of their thread was already seen."),
		reorders:   counter(MetricReorders, "Messages that arrived after a later sequence of their thread and were never seen before."),
		zero:       counter(MetricZero, "Messages whose header carried sequence 0, which a sequenced producer never writes."),
		gapSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricGapSize,
			Help: "Messages missing per sequence gap (received - expected).", Buckets: GapSizeBuckets}),
		dlqRecords:  counter(MetricDLQRecords, "Undecodable records copied to the DLQ topic (acknowledged)."),
		dlqFailures: counter(MetricDLQFailures, "Undecodable records whose copy to the DLQ topic failed."),
		reg:         reg,
	}
	for _, r := range Reasons {
		m.decodeFailures.WithLabelValues(r) // every reason exists from the start, at 0
	}
	m.all = []prometheus.Collector{m.received, m.decodeFailures, m.gaps, m.duplicates, m.reorders, m.zero, m.gapSize, m.dlqRecords, m.dlqFailures}
	for i, c := range m.all {
		if err := reg.Register(c); err != nil {
			for _, done := range m.all[:i] {
				reg.Unregister(done)
			}
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("register metrics: %w: another Consumer uses this Registerer; give each its own", err)
			}
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) unregister() {
	for _, c := range m.all {
		m.reg.Unregister(c)
	}
}
