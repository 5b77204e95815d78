// Command dsbench is `make bench`: it measures, in one run, the reference producer and
// consumer against kcat on one real Kafka broker, the sequence validator's
// micro-benchmarks, and alert latency and broker-restart recovery on the embedded stack,
// prints a table and writes reports/bench/<UTC timestamp>.json and
// reports/bench/latest.json (package bench describes every figure and how it is made fair).
//
// Flags (defaults are the figures):
//
//	-records 500000     records per throughput run and tool
//	-runs 3             throughput runs per tool, alternating; the median is reported
//	-reps 10            repetitions of the alert-latency and recovery measurements
//	-warmup 20000       records each producer writes to a warm-up topic (-1: none)
//	-value-bytes 1024   value size
//	-partitions 3       partitions of each throughput topic
//	-threads 64         thread ids (record keys)
//	-senders 1          goroutines calling the reference producer's SendAsync
//	-bench-count 5      go test -count of the validator benchmarks
//	-outage 2s          how long the broker stays down per recovery repetition
//	-broker-jit full    the throughput broker's JIT: full (C2) or c1
//	-only throughput,validator,alert,recovery
//	-out reports/bench
//
// A quick check (under two minutes): -records 20000 -runs 1 -reps 2 -bench-count 1.
//
// Exit status: 0 when every measurement ran, whether its goal is met or SHORT (a finding,
// not a failure); 1 when a measurement failed; 2 when the repository root is not found.
package main
