package bench

// Settings returns how the comparisons are made fair, for the report.
func Settings() map[string]string {
	return map[string]string{
		"broker":      "one Apache Kafka broker (system/kafkalocal, KRaft) on this machine, reached directly (no proxy); JIT per params.broker_jit (full: C2 and a 1 GiB heap)",
		"acks":        "all (-1) for both producers; both idempotent",
		"compression": "none: wire framing 0x00 (CompressThreshold -1) and Kafka batch compression none (kgo.NoCompression; kcat compression.codec=none)",
		"batching":    "defaults of each client: franz-go linger 10 ms, 1 MB batches, up to 5 produce requests in flight per broker (idempotent; 1 until the first response); librdkafka linger.ms 5, batch.size 1 MB, up to 5 in flight (idempotent)",
		"values":      "reference: a DashStream Event framed to exactly value-bytes (±2 B with small sequences) with an incompressible bytes attribute; kcat: value-bytes printable characters, newline-delimited lines key\\tvalue",
		"records":     "both: key = one of -threads thread ids, header tenant_id=bench; same topic layout (-partitions, replication 1), one broker",
		"warm-up":     "each producer first writes -warmup records to a separate topic; runs alternate reference, kcat",
		"timing":      "reference: producer.New to the last acknowledgement, consumer.New to the N-th handled record; kcat: process start to exit",
		"cpu":         "CPU per record: kcat's process; for a reference client this process during its run (franz-go and GC included; during the last run a 100 Hz CPU profile too)",
		"consumer":    "both read the topic the reference producer wrote; reference = wire decode + sequence validation + metrics (reference/consumer, no group); kcat -C -e -o beginning -q > /dev/null",
	}
}
