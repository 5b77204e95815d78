// Package exporter is the reference Prometheus exporter of DashStream: it consumes the
// DashStream topics (default dashstream-events and dashstream-quality) with the reference
// consumer and serves what it sees on /metrics. The binary is
// reference/cmd/dashstream-exporter.
//
// # Endpoints (Handler)
//
//	/metrics  Prometheus text format (OpenMetrics on request)
//	/readyz   503 with a one-line reason until a broker has answered a metadata request,
//	          then 200 "ready" for the life of the process (an outage later shows in
//	          dashstream_exporter_kafka_connected, not here: /metrics stays worth scraping)
//	/healthz  200 "ok": liveness
//
// # Metrics
//
// The reference consumer's metrics (see package consumer), at 0 from the start:
//
//	dashstream_messages_received_total, dashstream_decode_failures_total{reason},
//	dashstream_sequence_gaps_total, dashstream_sequence_duplicates_total,
//	dashstream_sequence_reorders_total, dashstream_sequence_zero_total,
//	dashstream_sequence_gap_size, dashstream_dlq_records_total,
//	dashstream_dlq_failures_total
//
// The exporter's own:
//
//	dashstream_e2e_latency_seconds                     histogram  receipt time (the consumer's poll) minus the header's
//	                                                              timestamp_us; buckets LatencyBuckets, with bounds at
//	                                                              0.4, 0.5 and 0.6 s around the 500 ms p99 alert
//	dashstream_e2e_latency_negative_total              counter    messages received before their timestamp (producer
//	                                                              clock ahead); never observed in the histogram
//	dashstream_e2e_latency_missing_timestamp_total     counter    messages with timestamp_us 0; not observed
//	dashstream_consumer_lag_records{group,topic,partition}
//	                                                   gauge      high watermark minus the next offset to consume,
//	                                                              refreshed every LagInterval (default 5 s) with kadm:
//	                                                              the exporter's own (group "" or Group) and, for each
//	                                                              group named by LagGroups, its committed offsets
//	dashstream_exporter_kafka_connected                gauge      1 when the last outcome on a broker connection was a
//	                                                              success, 0 after a failed dial or request
//	dashstream_exporter_kafka_connect_attempts_total   counter    broker dials, failed or not (kgo OnBrokerConnect)
//	dashstream_exporter_kafka_failures_total           counter    failed dials and requests
//	dashstream_exporter_quality_messages_total{tenant} counter    quality events received
//	dashstream_exporter_quality_values_skipped_total{reason}
//	                                                   counter    quality values not exported: not_numeric (string,
//	                                                              bytes), type_conflict, bad_name
//	dashstream_exporter_quality_series_evicted_total   counter    quality series evicted by the series cap
//	dashstream_exporter_invalid_tenants_total{reason}  counter    quality events whose tenant id breaks the tenant rule:
//	                                                              empty, too_long, bad_characters (wire.TenantReasons)
//
// Plus the standard go_* and process_* collectors.
//
// # Quality metrics
//
// A quality event is a Metrics message with scope "quality" (on any consumed topic). Each
// of its numeric values becomes the series dashstream_quality_<name>{tenant, scope_id}
// holding the latest value, where <name> is the metric's name lowercased with every
// character outside [a-z0-9] replaced by "_", tenant is the header's tenant_id and
// scope_id the message's scope_id. A value of type COUNTER is exported as a Prometheus
// counter named dashstream_quality_<name>_total (the suffix is not doubled) and is taken
// as the producer's cumulative count; every other type is a gauge. int and float values
// are exported as they are, bools as 1 or 0; strings and bytes are skipped. Example: the
// metric "checks" (COUNTER, 42) of tenant acme, scope_id run-1 is
// dashstream_quality_checks_total{tenant="acme",scope_id="run-1"} 42. At most
// MaxQualitySeries (default 10000) series are kept; a new one beyond that evicts the
// least recently updated, in O(1) (a list ordered by update, never a scan of the series).
//
// # Bounded labels
//
// Label values come from producers, so each is bounded:
//   - tenant: the header's tenant_id is checked with the pipeline's one tenant rule
//     (wire.ValidateTenant: 1 to 64 characters of [A-Za-z0-9_-]). An event with an invalid
//     tenant is counted in dashstream_exporter_invalid_tenants_total{reason} and nothing of
//     it is exported: its tenant never becomes a label. The first MaxTenants (default
//     1000) distinct valid tenants keep their own label; every later tenant is exported as
//     tenant="(other)" (OtherTenant), so at most 1001 tenant values ever appear, in
//     dashstream_exporter_quality_messages_total and in the quality series alike. Looking
//     a tenant up is O(1).
//   - scope_id: cut to at most MaxLabelLen (128) bytes, never inside a character.
//   - every other label (reason, group, topic, partition) has a fixed set of values or
//     comes from the exporter's own configuration.
//
// # Kafka connectivity
//
// The Kafka client runs under a backoff.Guard: every retry waits a jittered 250 ms to
// 30 s (backoff.Policy) paced by the client-wide run of failures, dials are bounded by a
// 5 s timeout, and connection failures are logged through a backoff.Dedup handler: one
// line per distinct error per minute, the next carrying "(suppressed N similar in the
// last Ts)"; counts held when no repeat came are written every FlushInterval (default:
// the dedup interval) and at shutdown. An unresolvable, refusing or hanging broker address is not an error of New
// or Run: it shows in /readyz, the connected gauge and the logs, and the exporter keeps
// trying at that pace.
//
// Traps:
//   - Without a group (the default), every start reads each partition from its start:
//     after a restart the retained log is read again, counters restart from 0, and the
//     latency of replayed records is their age. With Group, a restart resumes at the
//     committed offsets, and the lag gauge covers only partitions this member consumed.
//   - The exporter copies undecodable records to the DLQ (consumer.DefaultDLQTopic);
//     run one exporter per pipeline, or give the others DLQTopic(""), or each copies.
//   - Receipt time is the poll time, so a slow exporter (paused, CPU-starved) inflates
//     the latency it measures: that is the latency the pipeline's readers see.
//   - The lag gauge appears once Kafka has answered and is refreshed every LagInterval;
//     during an outage it keeps its last value (the lag loop backs off like the client
//     and never adds connection attempts of its own).
//   - Quality label values (tenant, scope_id) come from producers: the series cap is what
//     keeps a producer with a fresh scope_id per message from exhausting memory.
//   - The tenant cap is first come, first labelled, for the life of the process: a tenant
//     first seen after MaxTenants others is counted under "(other)" until a restart.
//     Two scope_ids that share their first 128 bytes share a series.
//   - Records are decoded within the consumer's decode budget (consumer.DecodeBudget,
//     default 64 MiB of decoded bytes held at once, through ConsumerOpts; the binary's
//     -decode-budget, env DECODE_BUDGET): records that expand a thousandfold cost the
//     budget, not the poll times the ratio. The binary sets the Go soft memory limit to
//     the budget plus 64 MiB unless GOMEMLIMIT is set.
package exporter
