// Package bench measures the pipeline's performance side by side, in one run, against
// reference tools on the same machine: the evidence behind `make bench` (cmd/dsbench).
// Every goal is a ratio or a figure measured in the same run, so runs on different
// machines compare by their ratios, and each report names the machine it ran on.
//
// # Measurements
//
//	MeasureThroughput  producer: reference/producer vs kcat -P into the same real Kafka broker;
//	                   consumer: reference/consumer vs kcat -C reading the same topic
//	RunGoBench         reference/sequence BenchmarkObserve and BenchmarkMemoryPerThread
//	MeasureAlert       ServiceDown: exporter stopped → firing notification at the pager webhook
//	MeasureRecovery    broker kill -9 and restart → first acknowledgement, first consumed record
//
// Report collects Figures (median, max and every sample) and judges Goals (Goals(): the
// issue's targets) as met, SHORT or not measured; Write puts it as JSON in
// <dir>/<UTC timestamp>.json and <dir>/latest.json, WriteTable prints it.
//
// # Fairness of the throughput comparison
//
//   - Same broker: one real Apache Kafka broker (system/kafkalocal, the local stack's
//     broker) reached directly. The local stack's advertised TCP proxy runs inside the
//     measuring process; on two cores it would charge both tools with its CPU, so it is
//     left out. By default the broker runs with the full JIT (C2) and a 1 GiB heap
//     (-broker-jit=c1 keeps the harness's start-up-tuned JVM).
//   - Same delivery guarantee: acks=all and idempotence on both (kcat -X acks=all -X
//     enable.idempotence=true).
//   - Same compression: none. The reference producer's wire compression is off
//     (CompressThreshold -1: framing byte 0x00) and so is Kafka batch compression
//     (franz-go defaults to snappy: kgo.NoCompression is set; kcat compression.codec=none).
//   - Same record sizes on the wire: the reference producer's value is a real DashStream
//     Event framed to exactly -value-bytes (Message; a sequence below 16 384 makes it one or
//     two bytes shorter: the mean value size is reported) padded with random, incompressible
//     bytes; kcat's value is -value-bytes printable characters. Both records carry a key
//     (one of -threads thread ids, the same ids) and the header tenant_id=bench.
//   - Feeding kcat: kcat -P reads newline-delimited lines, so a value cannot contain a
//     newline. Its values are drawn from [A-Za-z0-9]: same size, no delimiter, no tab (the
//     key delimiter, -K '\t'). A binary value would need -D with a delimiter that cannot
//     occur in it, which no delimiter guarantees for random bytes. 1000 distinct lines are
//     built before kcat starts and written to its stdin repeatedly.
//   - Batching: each client's defaults, reported in Settings: franz-go lingers 10 ms and,
//     idempotent, allows up to five produce requests in flight per broker (one until the
//     first response); librdkafka lingers 5 ms and allows five. Neither is tuned for the
//     benchmark.
//   - Same topic layout: every run writes to a fresh topic of -partitions partitions
//     (replication 1); topics are deleted after each run.
//   - Warm-up: each producer first writes -warmup records to a separate topic (connections,
//     the broker's JIT, page cache). Runs alternate reference, kcat, so drifting load on a
//     shared machine hits both; the figure is the median of -runs runs.
//   - Timing: the reference producer from producer.New to the last acknowledgement (any
//     failed send fails the run); kcat -P from process start to its exit, which waits for
//     every delivery report. Each topic's record count is checked afterwards.
//   - Consumer: both read the topic the reference producer wrote. The reference consumer
//     (wire decode, sequence validation, metrics; no group) is timed from consumer.New to
//     the N-th handled record and must see no decode failure and no sequence anomaly;
//     kcat -C -e -o beginning -q writes every value to /dev/null and is timed to its exit.
//   - CPU per record: besides records/s, each run records the CPU time the client used
//     (kcat: its process; a reference client: this process during its run, franz-go and
//     the garbage collector included) divided by the records. On a shared machine this
//     depends much less on the other load than records/s does; it is reported, not judged.
//
// # Alert latency and recovery (embedded stack)
//
// Alert: the exporter runs on the embedded stack; each repetition starts a fresh
// Prometheus and Alertmanager (fast profile) scraping it, so a previous notification's
// group_interval never delays the next one, waits for up == 1, stops the exporter
// (onset: Stop returned) and waits for ServiceDown firing at the pager webhook. The floor
// is scrape interval + evaluation interval + the rule's for: + group_wait (1 + 1 + 1 + 1 s),
// as steps/alerting_steps.go computes it. The scrape and evaluation terms are worst-case
// alignments, so a latency below the floor (a negative figure) is normal.
//
// Recovery: a reference producer sends one message every 10 ms and a reference consumer
// reads the topic; each repetition checks both are flowing, kills the broker (kill -9),
// waits -outage, starts it (Start returns once the broker answers a metadata request: the
// restart is complete) and measures from then to the first acknowledgement and to the
// first record the consumer polls. Resolution: 10 ms.
//
// Goals are judged on the median for throughput ratios and Observe's time, and on the
// maximum (every repetition) for allocations, bytes per thread, alert latency and
// recovery.
//
// # Traps
//
//   - The machine may be shared: the report records the load average at start and end and
//     the busiest processes at start. Compare ratios, not absolute rates.
//   - A throughput run needs about 2 × records × value-bytes of disk for a moment (one
//     topic per tool); topics are deleted after each run.
//   - The CPU profile of a reference client that falls short covers the whole process
//     (franz-go's goroutines included), not only the client's caller.
//   - bench imports system/ packages only, never steps/.
package bench
