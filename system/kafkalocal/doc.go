// Package kafkalocal runs a real Apache Kafka 4.x cluster (KRaft, no ZooKeeper) as java
// child processes: the broker of the `local` stack.
//
// Start resolves the broker's jars with Maven on first use, formats storage and starts the
// brokers; the Cluster it returns kills, stops, starts, restarts, pauses and resumes single
// brokers, and Close removes everything.
//
//	c, err := kafkalocal.Start(ctx, kafkalocal.Brokers(3))
//	if err != nil { ... }
//	defer c.Close()
//	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap()...))
//	_ = c.Kill(ctx, 1)       // kill -9
//	_ = c.Start(ctx, 1)      // same ports, same data
//
// # Jars
//
// The embedded pom.xml lists org.apache.kafka:kafka_2.13 (which holds kafka.Kafka and
// kafka.tools.StorageTool) and the slf4j-to-log4j2 binding. `mvn dependency:copy-dependencies`
// copies them into <repo root>/.bin/kafka-libs/<version>/ (git-ignored), once: a flock on
// <version>.lock serializes concurrent callers across processes, and a folder only counts as
// complete when its classpath.txt exists. Progress goes to stderr. `make kafka-jars` (or
// `go run ./system/kafkalocal/cmd/kafkalocal jars`) does the same ahead of time. Outside the
// repository the cache is <user cache>/dashstream/kafka-libs. Needs mvn and Java 17+.
//
// # Class-data archive
//
// On first use with a given JDK, a throw-away broker runs once with -XX:ArchiveClassesAtExit
// to record kafka-<hash>.jsa next to the jars (about 20 s). Brokers then start faster; on the
// 2-core CI machine, Start (format included, to ready) took 3-4.5 s for 1 broker (5-7 s
// without the archive) and about 8 s for 3 brokers (about 23 s without). Measure with
// `make kafka-startup` or `go test -run='^$' -bench=Startup -benchtime=3x`.
// ClassDataSharing(false) turns it off.
//
// # Defaults
//
//   - 1 broker; every node is a combined broker+controller and a voter of the quorum
//     (static controller.quorum.voters). Node ids are index+1; processes are named kafka-<i>.
//   - Listens on 127.0.0.1 only. Client and controller ports are picked once at Start and
//     kept across restarts, so clients reconnect to the same address.
//   - Replication factor min(3, brokers) for new topics, offsets and transactions;
//     min.insync.replicas 2 with 3 or more brokers, else 1. 1 partition per auto-created
//     topic; 10 partitions for __consumer_offsets and __transaction_state (not 50) so the
//     first group starts fast. group.initial.rebalance.delay.ms=0. A dead broker is fenced
//     after 6 s (broker.session.timeout.ms). BrokerConfig overrides any of these.
//   - JVM: -Xmx512m, serial GC, C1 only (-XX:TieredStopAtLevel=1), no perf data.
//   - Data in a temporary folder that survives kill -9 and restart and is removed by Close
//     (DataDir: a folder of yours, kept).
//   - Logs: log4j2 to stdout at INFO (config dumps quieted); the last 2000 lines of each
//     broker are kept (Cluster.Log); LogWriter gets a copy, prefixed "kafka-<i> | ".
//
// # Readiness
//
// A broker is ready when a metadata request sent to its own listen address lists every
// running, unpaused broker as registered and a DescribeQuorum request shows a controller
// leader. Start, Cluster.Start and Cluster.Restart wait for that, bounded by their ctx and
// StartTimeout (2 minutes); on failure the error wraps ErrNotReady, names the broker and ends
// with the tail of its log. A broker that exits while starting fails at once.
//
// # Traps
//
//   - Child processes get Pdeathsig=SIGKILL and their own process group (system/proc):
//     they die with the harness, even on kill -9 of the harness. Close kills them at once.
//   - After Kill, the other brokers still list the dead one for up to 6 s until the
//     controller fences it; producers with acks=all keep retrying until leadership moves.
//   - Pause freezes the JVM with SIGSTOP: connections stay open and requests hang; after
//     6 s the controller fences the paused broker. Stop resumes a paused broker first.
//     Observed with franz-go v1.22: a ProduceSync into a paused single broker did not
//     return for minutes, whatever its ctx and RecordDeliveryTimeout said (new connections
//     hang in connect); it completed once the broker was resumed. Assert "not delivered
//     within N s", not "failed within N s".
//   - With AdvertisedPorts, clients given Bootstrap() only reach brokers through your
//     proxies, which must forward to ListenAddrs(); readiness checks bypass the proxies.
//   - With 2 brokers the quorum has 2 voters: losing either one stops the controller.
//   - Reusing a DataDir needs the same broker count; ports are picked anew, which KRaft
//     with static voters accepts.
package kafkalocal
