// Package pipelinetest holds the integration tests of the reference pipeline core:
// producer → Kafka (an in-process kfake cluster) → consumer with sequence validation and
// DLQ. It has no code of its own and needs no external service.
//
// What the tests pin down:
//   - 100 messages on a thread come back as sequences 1..100, tenant in the protobuf
//     header and in the tenant_id record header, with no anomaly.
//   - Records deleted under a consumer that fell behind (kadm.DeleteRecords, as retention
//     would) are exactly one gap, expected 50 received 51, in the metric, Stats and the
//     log. The consumer falls behind at the broker (its fetch is held by kfake until the
//     deletion is done), never by pausing the client: a fetch already in flight would be
//     answered with the records written meanwhile.
//   - A replayed record is a duplicate; an older, unseen sequence is a reorder.
//   - Many threads of two tenants, interleaved on shared partitions: no false positive.
//   - Garbage, truncated zstd, wrong framing, bad protobuf and oversized records are
//     counted by reason and dead-lettered, and the valid records after them are consumed.
package pipelinetest
