// Package consumer reads DashStream topics: it decodes every record with wire.Decoder,
// validates per-(tenant, thread) sequences with sequence.Validator, exports what it saw
// as Prometheus metrics and copies undecodable records to a dead-letter topic. It is the
// reference consumer the exporter and the WebSocket server are built on.
//
// # Metrics
//
// Registered on the Registerer option (default: a private registry). All counters start
// at 0, including every reason label value, so rate() and absent() work from the start.
//
//	dashstream_messages_received_total          counter    messages decoded, whatever their sequence verdict
//	dashstream_decode_failures_total{reason}    counter    undecodable records; reason is framing, decompress,
//	                                                       too_large or protobuf (wire.Reason*)
//	dashstream_sequence_gaps_total              counter    sequence jumped past the expected one (received > expected)
//	dashstream_sequence_duplicates_total        counter    sequence already seen (received < expected)
//	dashstream_sequence_reorders_total          counter    sequence never seen but older than the last (received < expected)
//	dashstream_sequence_zero_total              counter    sequence 0, a violation: sequences start at 1 (incident #9)
//	dashstream_sequence_gap_size                histogram  messages missing per gap (received - expected);
//	                                                       buckets 1 2 5 10 25 50 100 250 1000 10000
//	dashstream_dlq_records_total                counter    undecodable records copied to the DLQ (acknowledged)
//	dashstream_dlq_failures_total               counter    undecodable records whose DLQ copy failed
//
// Stats returns the same counts (plus Missing, the sum of gap sizes) for code and tests.
//
// Sequence 0 is counted on its own counter rather than as a kind label of one
// "violations" counter: each sequence verdict already has a counter of its own
// (gaps, duplicates, reorders), and a label would count those twice under two names.
// Alert on it as on the others: increase(dashstream_sequence_zero_total[5m]) > 0.
//
// # Logs
//
// Every gap, duplicate, reorder and zero sequence is a slog warning ("sequence gap",
// "sequence duplicate", "sequence reorder", "sequence zero") with tenant, thread (each
// cut to wire.MaxIDBytes, 256 bytes, by wire.CutID: never a split character, and
// wire.CutMarker "…[cut]" at the end of a cut one, so five records cannot make a 1 MiB line),
// expected, received, topic, partition and offset (and gap_size for a gap; expected is 0
// for a zero). Every undecodable record is a warning "undecodable record" with reason,
// error, topic, partition, offset and bytes. A "first" verdict (a new or evicted thread)
// is not logged. Ids come from producers: a thread id of a megabyte (a few hundred bytes
// compressed on the wire) must not make a megabyte log line.
//
// # Dead-letter queue
//
// An undecodable record is written to the DLQ topic (default "dashstream-dlq") with its
// original key and value, the headers dlq_reason (the wire reason), dlq_error (the decode
// error), source_topic, source_partition and source_offset (decimal), followed by the
// original record's headers. The write is synchronous and bounded by DLQTimeout (default
// 10 s); a failed write is counted and logged, and consumption continues: a bad record
// never stops the records after it.
//
// Size: the client's producer batch cap is the maximum payload (MaxPayload, default
// 10 MiB, at most MaxMaxPayload) plus DLQOverhead (1 MiB) for the key, the headers and the
// batch framing, instead of franz-go's 1 MB: a record whose value is at the maximum
// payload is copied byte for byte. A copy larger than that cap, or than the DLQ topic's
// max.message.bytes (1 MiB by default on Kafka: raise it on the DLQ topic), fails and is
// counted in dashstream_dlq_failures_total and Stats.DLQFailures.
//
// # Consumption
//
// Group("") (the default) consumes every partition directly from ResetOffset (default:
// the start), without committing. With a group, the offset of each handled record is
// marked and committed every 5 s, on rebalance and when Run ends: at-least-once.
//
// The records of one poll are decoded in parallel (Decoders, default GOMAXPROCS; polls
// under 64 records are decoded on the poll loop, one record at a time), then validated,
// counted, logged and handed to OnRecord one at a time in fetch order, so verdicts never
// depend on the number of decoders.
//
// # Decode budget
//
// A Consumer holds at most DecodeBudget decoded bytes at once (DefaultDecodeBudget,
// 64 MiB; New accepts 1 MiB to 64 GiB), whatever the compression ratio of the records:
// before a record is decoded, the size its content can reach is reserved, known without
// decompressing (wire.Decoder.ContentBound: the size a zstd frame declares, or the
// maximum payload when it declares none), and released once the record has been handed
// to OnRecord (records are reserved and released in chunks of up to 32, which keeps the
// budget off the per-record cost). Reservations are taken in fetch order, so the oldest
// unhandled record always holds one and nothing deadlocks; a record larger than the
// whole budget is reserved at the budget and decoded alone. A poll of 100 records that each expand to
// 8 MiB holds 8 of them at once (64 MiB), not 800 MiB. The process's heap is larger than
// the budget by the decompression buffers in flight (one per decoder, at most the
// maximum payload each) and the Go collector's headroom; the binaries (dashstream-consume,
// -exporter, -wsserver) set the collector's soft memory limit to the budget plus 64 MiB
// unless GOMEMLIMIT is set (envcfg.MemoryLimitFor), which keeps a process under 256 MiB
// resident with the default budget (about 150 MiB measured for 100 records of 8 MiB).
//
// Traps:
//   - Records deleted under the consumer (DeleteRecords, retention) put its offset out of
//     range; it resumes at ResetOffset. With the default (start) that is the first record
//     still present, and the missing sequences show up as one gap per thread. With an
//     end offset it would skip everything up to the end.
//   - The validator is in memory: a restarted Consumer takes a new baseline per thread
//     ("first"), so a gap across the restart is not seen. With a group and a restart, the
//     records since the last commit are read again; their verdict is "first" then "ok".
//   - The client allows topic auto-creation (for the DLQ): consuming a topic that does not
//     exist creates it on brokers that allow that.
//   - OnRecord and OnDecodeError run on the poll loop: a slow callback slows consumption.
//   - Close unregisters the metrics from the Registerer; a shared registry loses them.
package consumer
