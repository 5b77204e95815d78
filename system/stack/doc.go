// Package stack provides the infrastructure a scenario runs on: Kafka, Prometheus and
// Alertmanager, and runners for the reference services. A Stack is chosen by name
// (Open, STACK=embedded|local|containers|external) and declares its Capabilities; a
// scenario asks for what it needs with Missing and is skipped with that reason when the
// stack cannot provide it. Nothing here knows Gherkin.
//
// The stacks:
//
//	embedded    kfake in its own process (system/kfakeproc) behind a TCP proxy it advertises;
//	            real Prometheus and Alertmanager binaries; services as child processes.
//	local       real Apache Kafka 4.x in KRaft mode (system/kafkalocal), 1 or 3 brokers,
//	            each behind an advertised TCP proxy; the rest as embedded.
//	containers  testcontainers-go (package containers); see its documentation.
//	external    an existing cluster from KAFKA_BROKERS, PROMETHEUS_URL, ALERTMANAGER_URL;
//	            no destructive capability unless DASHSTREAM_ALLOW_DESTRUCTIVE=1.
//
// Contract:
//   - Every broker is reached through the address in Broker.Addr, which is also the
//     address the broker advertises; on the embedded and local stacks that is a TCP proxy
//     (Broker.Proxy) so network faults cannot be bypassed, and a restarted broker comes
//     back at the same address.
//   - Services run the repository's own binaries (system/build) as child processes with
//     their output captured; Service.Stop is a real stopped process, so "service down" is
//     what Prometheus sees.
//   - Ports are held, never picked and released: a kfake broker's port from its start to
//     its close (kfakeproc.Port); a real broker's, every broker proxy's and every
//     service's address (ServiceSpec.AddrEnv) until the stack closes (a bound socket that
//     never listens, which the JVM's, toxiproxy's and Go's listeners can bind, since they
//     set SO_REUSEADDR). A restart after a kill or a stop, or a heal after a network cut,
//     finds its port free, and no other scenario is handed it meanwhile.
//   - StartMonitoring returns a monitoring.Monitoring: a fresh Prometheus and Alertmanager
//     (fast rule profile, webhook receivers) for the caller, so scenarios do not see each
//     other's alerts. embedded and local run the pinned binaries as host processes;
//     containers runs both as containers on the stack's network (images
//     DASHSTREAM_IMAGE_PROMETHEUS and _ALERTMANAGER); external connects to PROMETHEUS_URL
//     and ALERTMANAGER_URL (both or neither; checked when the stack opens, their versions
//     reported), refuses scrape jobs (ErrUnsupported) and delivers to no receiver of the
//     harness, so it declares neither Monitoring nor ReceiveAlerts.
//   - Close stops everything the stack started and removes its temporary directories; it
//     is safe to call twice. Isolation between scenarios sharing a stack is by name: each
//     scenario uses its own topics, tenants and consumer groups (Names).
//   - A stack that can start a cluster of its own for one scenario cheaply implements
//     PrivateKafka (embedded: another kfake process, about 0.1 s); WithKafka gives that
//     scenario a view of the stack on its cluster, so a scenario that breaks its broker
//     needs no exclusive use of the shared one. The local stack does not: a real broker
//     takes seconds to start and a JVM's memory.
package stack
