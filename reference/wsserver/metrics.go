package wsserver

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metric names of the server's own metrics; doc.go lists them with their meaning.
const (
	MetricConnectedClients = "dashstream_ws_connected_clients"
	MetricFramesSent       = "dashstream_ws_frames_sent_total"
	MetricDroppedFrames    = "dashstream_ws_dropped_frames_total"
	MetricDisconnects      = "dashstream_ws_disconnects_total"
	MetricRejected         = "dashstream_ws_rejected_connections_total"
	MetricConsumerRestarts = "dashstream_ws_consumer_restarts_total"
	MetricBreakerState     = "dashstream_ws_circuit_breaker_state"
	MetricKafkaConnected   = "dashstream_ws_kafka_connected"
	MetricKafkaErrors      = "dashstream_ws_kafka_errors_total"
	MetricE2ELatency       = "dashstream_ws_e2e_latency_seconds"
	MetricE2ENegative      = "dashstream_ws_e2e_latency_negative_total"
	MetricRefused          = "dashstream_ws_connections_refused_total"
)

// Label values of dashstream_ws_dropped_frames_total{reason}.
const (
	DropQueueFull    = "queue_full"   // the oldest frame of a full client queue
	DropDisconnected = "disconnected" // frames still queued when their client went away
)

// Label values of dashstream_ws_disconnects_total{reason}.
const (
	DisconnectClientClosed = "client_closed"
	DisconnectTooSlow      = "too_slow"
	DisconnectTooBig       = "message_too_big"
	DisconnectWriteFailed  = "write_failed"
	DisconnectShutdown     = "shutdown"
	DisconnectPingTimeout  = "ping_timeout"
)

// Label values of dashstream_ws_rejected_connections_total{reason}.
const (
	RejectUnauthorized = "unauthorized"
	RejectOrigin       = "origin"
	RejectBadRequest   = "bad_request"
	RejectShutdown     = "shutting_down"
	// RejectTenant: a known token asked for a tenant it is not granted (403).
	RejectTenant = "tenant_not_granted"
)

// LatencyBuckets are the buckets of dashstream_ws_e2e_latency_seconds (as the exporter's).
var LatencyBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 2.5, 5, 10, 30, 60}

type metrics struct {
	clients     prometheus.Gauge
	framesSent  *prometheus.CounterVec
	dropped     *prometheus.CounterVec
	disconnects *prometheus.CounterVec
	rejected    *prometheus.CounterVec
	restarts    prometheus.Counter
	kafkaErrors prometheus.Counter
	latency     prometheus.Histogram
	negative    prometheus.Counter
	refused     prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, breakerState, connected func() float64) (*metrics, error) {
	m := &metrics{
		clients: prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricConnectedClients,
			Help: "WebSocket clients connected now."}),
		framesSent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricFramesSent,
			Help: "Frames written to WebSocket clients, by format (json, binary)."}, []string{"format"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricDroppedFrames,
			Help: "Frames dropped, by reason: queue_full (oldest of a slow client's full queue), disconnected (queued when the client went)."},
			[]string{"reason"}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricDisconnects,
			Help: "WebSocket clients gone, by reason: client_closed, too_slow, message_too_big, write_failed, shutdown, ping_timeout."},
			[]string{"reason"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricRejected,
			Help: "WebSocket handshakes refused, by reason: unauthorized, origin, bad_request, shutting_down, tenant_not_granted."}, []string{"reason"}),
		restarts: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricConsumerRestarts,
			Help: "Restarts of the Kafka consumer loop after it ended with an error."}),
		kafkaErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricKafkaErrors,
			Help: "Failed Kafka dials and requests."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricE2ELatency,
			Help:    "Time from a message's header timestamp_us to the write of its frame to a client, in seconds (per frame; never negative).",
			Buckets: LatencyBuckets}),
		negative: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricE2ENegative,
			Help: "Frames written before their message's header timestamp (producer clock ahead); not observed."}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricRefused,
			Help: "TCP connections refused (503, closed) because the connection cap was reached."}),
	}
	for _, f := range []string{"json", "binary"} {
		m.framesSent.WithLabelValues(f)
	}
	for _, r := range []string{DropQueueFull, DropDisconnected} {
		m.dropped.WithLabelValues(r)
	}
	for _, r := range []string{DisconnectClientClosed, DisconnectTooSlow, DisconnectTooBig, DisconnectWriteFailed, DisconnectShutdown, DisconnectPingTimeout} {
		m.disconnects.WithLabelValues(r)
	}
	for _, r := range []string{RejectUnauthorized, RejectOrigin, RejectBadRequest, RejectShutdown, RejectTenant} {
		m.rejected.WithLabelValues(r)
	}
	state := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricBreakerState,
		Help: "Circuit breaker state: 0 closed, 1 half-open, 2 open."}, breakerState)
	conn := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricKafkaConnected,
		Help: "1 when the last outcome on a Kafka connection was a success, else 0."}, connected)
	for _, c := range []prometheus.Collector{m.clients, m.framesSent, m.dropped, m.disconnects, m.rejected, m.restarts,
		m.kafkaErrors, m.latency, m.negative, m.refused, state, conn} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
