// Package chaos breaks the infrastructure a scenario runs on, in the manner of etcd's
// robustness failpoints: a fault is a value (Fault) that names itself, declares the stack
// capabilities it needs, and is caused by Inject, which returns a Handle whose Undo
// reverts it. Nothing here knows Gherkin.
//
//	f, err := chaos.ByName("kill", s.Kafka().Brokers()[0]) // kill|stop|pause|network-cut|...
//	if reason := stack.Missing(s, f.Needs()...); reason != "" { skip(reason) }
//	h, err := f.Inject(ctx, recorder)  // recorder: *evidence.Recorder, a *Journal (tools), or nil
//	defer h.Undo(ctx)                  // or chaos.UndoOnCleanup(t, h), chaos.UndoAll(ctx, hs...)
//
// # Contract
//
//   - Inject writes fault-start on the Timeline with a detail (what, where); the first Undo
//     that succeeds writes fault-end once. An Inject that fails undoes what it did and ends
//     its span at once with "inject failed: ...", so a span is never left open by a failed
//     injection.
//   - Undo is safe to call twice and concurrently. It reverts the fault, then waits for
//     the component to recover, each bounded by Recovery (default DefaultRecovery, 2 min)
//     and by its ctx: a broker answers a metadata request at its advertised address, a
//     service runs and accepts connections on its address. If Undo fails the span stays
//     open (the fault is not over) and the next call resumes where it failed.
//   - Broker faults check that the broker answers before injecting (DefaultHealthCheck):
//     a fault on a broken broker proves nothing.
//
// # Faults
//
//	broker-kill          BrokerKill        SIGKILL; Undo starts it with its data and address
//	broker-stop          BrokerStop        graceful stop; Undo starts it
//	broker-pause         BrokerPause       SIGSTOP; Undo resumes
//	network-cut          NetworkCut        proxy closed: connection refused
//	network-blackhole    NetworkBlackhole  proxy drops every byte, connections stay open
//	network-latency      NetworkLatency    proxy delays responses
//	network-reset        NetworkReset      proxy resets every connection on its first request
//	delete-records       DeleteBelow       Kafka DeleteRecords; not undoable
//	message-drop         MirrorDropping    lossy copy of a topic that leaves out chosen records
//	corrupt-records      Corrupt           invalid DashStream records from kcat or raw franz-go
//	corrupt-stream       CorruptStream     one invalid record every interval until Undo
//	replay               Replay            a record produced again byte for byte; not undoable
//	forged-records       Forge             valid records with a header set by hand (sequence 0, an
//	                                       old sequence), keyed by their thread, from kcat or franz-go
//	service-stop         ServiceStop       Undo restarts
//	service-kill         ServiceKill       Undo restarts
//	service-pause        ServicePause      Undo resumes
//	service-wrong-broker ServiceWrongBroker restart with KAFKA_BROKERS=addr; Undo restores it
//
// BrokerOutages returns the broker faults in the order of OutageNames; ByName accepts a
// short name (kill, stop, pause, network-cut, network-blackhole, network-latency,
// network-reset) or the fault's name. Misconfigured endpoints for ServiceWrongBroker:
// UnresolvableAddr (fails locally, no DNS query leaves the machine), RefusingPort (the
// kernel refuses: nothing can count the attempts), ResettingListener (accepts and resets
// every connection, noting when each came) and HangingListener (accepts, never answers,
// notes connections and counts bytes).
//
// Corrupt record kinds and the wire reason a strict decoder reports: garbage,
// wrong-framing and at-limit (exactly PayloadLimit bytes) → framing, truncated-zstd → decompress, bad-protobuf → protobuf, bomb and
// oversized → too_large (Kind.Reason).
//
// # Traps
//
//   - All network faults of a broker share its proxy, and Undo heals the proxy: undoing
//     one network fault removes every other network fault of that broker too.
//   - A produce into a paused broker can hang far beyond its context in franz-go (see
//     system/kafkalocal): assert "not delivered within N s", not "failed"; Corrupt and the
//     Mirror use asynchronous produces bounded by ctx for that reason, but a Mirror
//     stopped by Undo while its broker is paused lingers until the broker resumes.
//   - Undoing network-blackhole closes the connections it held (toxiproxy's timeout toxic
//     does so when removed): clients reconnect at once instead of waiting for their
//     request timeouts (franz-go: 20 s by default), and what they sent meanwhile is lost
//     and retried.
//   - DeleteBelow, Corrupt and MirrorDropping change data for good: their Undo only ends
//     the span (the Mirror's also stops copying). A Corrupt whose Inject fails may still
//     have written some records; Sent lists those franz-go acknowledged (kcat does not say).
//   - kcat (librdkafka) partitions keys with crc32 by default; Corrupt passes
//     partitioner=murmur2_random so a record keyed by a thread id lands on the thread's
//     partition, as with franz-go and Java. kcat does not report offsets (SentRecord
//     Partition and Offset are -1). kcat runs with message.timeout.ms below its ctx
//     deadline and KcatTimeout, and a non-zero exit is an error.
//   - Oversized records are 1 KiB over PayloadLimit but produced zstd-compressed (a few
//     KiB on the wire), so they pass the topic's max.message.bytes (1 MiB by default) and
//     reach the consumer, which decompresses them to their full size.
//   - ServiceWrongBroker restores KAFKA_BROKERS to the stack's bootstrap addresses: the
//     Service interface does not reveal the value a service was started with.
//   - OffsetOfSequence and Mirror.Sync read up to the end offsets listed when they begin;
//     a partition whose last offset is a transaction marker is never read "to its end".
//   - A Refuser holds its port (bound, never listening) until Close: a port merely picked
//     free and released was taken by another process of a concurrent scenario, which then
//     answered (seen in a soak run); hold the Refuser for as long as the address is used.
package chaos
