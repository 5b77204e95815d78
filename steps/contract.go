package steps

// The DashStream contract's names the steps speak. They are the names of the wire
// contract (WIRE.md) and of the pipeline's metrics as the features and alert rules use
// them; the scenario's SUT profile maps each to the implementation's own (for the
// reference they are its own), so no step names an implementation's metric directly.
const (
	metricReceived       = "dashstream_messages_received_total"
	metricDecodeFailures = "dashstream_decode_failures_total"
	metricGaps           = "dashstream_sequence_gaps_total"
	metricDuplicates     = "dashstream_sequence_duplicates_total"
	metricReorders       = "dashstream_sequence_reorders_total"
	metricZero           = "dashstream_sequence_zero_total"
	metricGapSize        = "dashstream_sequence_gap_size"
	metricDLQRecords     = "dashstream_dlq_records_total"
	metricDLQFailures    = "dashstream_dlq_failures_total"
	metricInvalidTenants = "dashstream_exporter_invalid_tenants_total"

	// qualityScope is the Metrics scope that carries quality events (WIRE.md).
	qualityScope = "quality"
)

// decodeReasons are the contract's decode failure reasons, the label values of
// metricDecodeFailures and the DLQ's reason header.
var decodeReasons = []string{"framing", "decompress", "too_large", "protobuf"}
