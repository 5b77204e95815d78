// Package producer writes DashStream messages to Kafka: the reference producer of the
// pipeline under test.
//
// Every message gets a complete header before it is framed with wire.Encoder:
//
//	message_id      a fresh 16-byte UUID v4
//	timestamp_us    time of the send, microseconds since the Unix epoch
//	tenant_id       the producer's tenant (Tenant, TENANT_ID, or DefaultTenant "default")
//	thread_id       the thread given to Send
//	sequence        per (tenant, thread): 1, 2, 3, ... never 0
//	type            wire.TypeOf the payload (what the message is, not what the caller claimed)
//	schema_version  wire.SchemaVersion (1)
//	compression     set by the encoder to mirror the framing
//
// Records: key = thread id (so a thread stays on one partition), value = the framed
// message, record header "tenant_id" (TenantHeader) duplicating the protobuf tenant.
// Delivery: franz-go's idempotent producer with acks=all, so retries neither duplicate
// nor reorder records within a partition, even when an acknowledgement is lost on the way
// back. There is no delivery timeout and no retry limit (franz-go's defaults, kept on
// purpose): a record waits out a broker outage of any length in the client's buffer, and
// a send fails only when its ctx ends before franz-go first tried to send the record, or
// when Close gives up. Once tried, a record is kept until it is delivered, whatever its
// ctx, so that the idempotent sequence gets no hole: a SendAsync whose ctx ends during an
// outage can still be acknowledged when the broker returns (seen on the embedded stack).
// A connection closed before its first answer is retried too (kgo.AlwaysRetryEOF): that is
// how a broker restarting behind a proxy, a load balancer or Docker's port forwarder looks,
// and franz-go would otherwise fail the records as on a TLS or SASL mismatch (with such a
// real mismatch, sends wait instead of failing: use Ping with a deadline to check).
// An Ack's Topic, Partition and Offset are where Kafka wrote the record.
//
// Ordering: the sequence is assigned and the record handed to franz-go under one lock per
// thread, so concurrent Sends on a thread land in Kafka in sequence order, with no
// duplicate and no hole.
//
// Tenants: ValidateTenant accepts 1 to 64 characters of [A-Za-z0-9_-]. New and
// NewFromEnv refuse an invalid tenant (errors.Is ErrInvalidTenant) before any Kafka
// client exists, so nothing is ever produced under it.
//
// Defaults: topic DefaultTopic ("dashstream-events"), compression threshold
// wire.DefaultCompressThreshold, brokers franz-go's default 127.0.0.1:9092. NewFromEnv
// reads KAFKA_BROKERS (comma list) and TENANT_ID.
//
// Traps:
//   - A sequence is spent when the record is handed to franz-go: a send that then fails
//     (ctx ended, delivery timeout) leaves a hole the consumer reports as a gap. That is
//     what the pipeline should see for a lost message; do not retry it with Send, which
//     would use the next sequence.
//   - Sequence state is per Producer and in memory: a new Producer starts every thread at
//     1 again (a consumer then reports duplicates), and the state of every thread ever
//     used is kept (a few dozen bytes each) until the Producer is dropped.
//   - Send modifies the message it is given (its header). Reuse it only after Send or
//     SendAsync returned.
//   - New does no I/O: unreachable brokers show up as failed sends. Call Ping with a
//     deadline to check them up front.
package producer
