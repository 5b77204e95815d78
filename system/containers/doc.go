// Package containers is the `containers` stack (stack.Open(ctx, "containers")): Kafka and
// the reference services as Docker containers run with testcontainers-go, on a network of
// their own. Import it for its side effect to register the stack:
//
//	import _ "github.com/dashstream/acceptance/system/containers"
//
// # Images
//
// Image names come from the environment and default to the official images at the
// versions the other stacks pin (Image, EnvVar):
//
//	DASHSTREAM_IMAGE_KAFKA         apache/kafka:4.4.0
//	DASHSTREAM_IMAGE_PROMETHEUS    prom/prometheus:v3.16.0
//	DASHSTREAM_IMAGE_ALERTMANAGER  prom/alertmanager:v0.31.1
//	DASHSTREAM_IMAGE_EXPORTER      dashstream-local/exporter:dev   (no official image)
//	DASHSTREAM_IMAGE_WSSERVER      dashstream-local/wsserver:dev
//	DASHSTREAM_IMAGE_PRODUCE       dashstream-local/produce:dev
//	DASHSTREAM_IMAGE_CONSUME       dashstream-local/consume:dev
//	DASHSTREAM_IMAGE_REDIS         redis:7.0.15  (for an implementation whose profile needs Redis)
//
// `make images` builds every one of them locally as dashstream-local/<name>:dev without a
// registry (see images/README.md); `make containers-test`, `make acceptance-containers`
// and `make acceptance STACK=containers` point the variables at them.
// An image missing on the daemon fails at once with ErrNoImage and what to do; nothing is
// pulled for it. Versions() reads the images' org.opencontainers.image.version labels.
//
// # Kafka
//
// One combined broker+controller (KRaft) configured through the official image's KAFKA_*
// environment (the local image follows the same convention), with two client listeners:
//
//	INTERNAL  kafka:19092 on the stack's network (InternalBootstrap): services use it.
//	EXTERNAL  container port 9092, published on a pinned 127.0.0.1 port, in front of which
//	          a netfault proxy listens; the broker advertises the proxy's address, which is
//	          Broker.Addr and Kafka.Bootstrap: the harness's clients cannot bypass it.
//
// Broker control: Kill is docker kill (SIGKILL), Stop is docker stop (SIGTERM, SIGKILL
// after DefaultGrace), Start is docker start of the same container (data kept) and waits
// until a metadata request to the published port lists the broker and a controller;
// Pause/Resume are docker pause/unpause (cgroup freezer: connections hang). Because the
// port is pinned and the advertised address is the proxy's, a restarted broker comes back
// at the address clients know, and a client created before the outage reconnects.
//
// # Services
//
// Services.Start runs a service container named dashstream-<run>-svc-<name> with the
// network alias <name> (lower case, [a-z0-9-]; the second service of that name in the
// stack gets <name>-2, and so on, since scenarios run concurrently and a stopped container
// stays until Close) and KAFKA_BROKERS=kafka:19092 unless the spec sets it. With an AddrEnv the service listens on :8080 (ServicePort) in its
// container; Addr is the pinned host port it is published on, ScrapeAddr is
// <name>:8080 on the network. Restart replaces the container (SetEnv changes need a new
// container) at the same name, alias and host port. Services.Run runs a container to
// completion and returns its exit code, stdout and stderr, then removes it. A spec's
// Image (another implementation's, from its SUT profile) replaces the reference's; with
// AddrPortOnly and HostEnv it gets port 8080 and host 0.0.0.0. The brokers go to the
// spec's BrokersVar.
//
// Services.StartRedis (stack.RedisStarter) runs the Redis image for a scenario whose
// implementation needs one, under an alias of its own on the network, nothing persisted,
// and waits until it answers PING at its pinned loopback port; the URL it returns is
// redis://<alias>:6379.
//
// A KAFKA_BROKERS the caller sets is written from the harness's point of view; each
// entry is translated for the container: the stack's Kafka.Bootstrap (or its published
// port) becomes kafka:19092 (the EXTERNAL listener advertises the host proxy, which a
// container cannot reach); another loopback address with a listener (a scenario's
// hanging "broker") becomes host.docker.internal:<port> of a forwarder on the network's
// gateway relaying to it, so the service meets the same server; a loopback address with
// no listener stays (refused in the container as on the host); names stay.
//
// # Monitoring
//
// StartMonitoring (the stack.Stack method) is StartContainerMonitoring: Prometheus and
// Alertmanager run as containers on the stack's network (images DASHSTREAM_IMAGE_PROMETHEUS
// and _ALERTMANAGER, official prom/prometheus and prom/alertmanager at the pinned versions
// by default; `make acceptance STACK=containers` points them at the local builds), with the
// same fast rules and test Alertmanager configuration as monitoring.StartStack, scraping
// the services at their ScrapeAddrs (alias:port, reachable only inside the network: a
// Prometheus outside it would never see them up). Monitoring implements
// monitoring.Monitoring; SetScrapeJobs copies a new configuration into the Prometheus
// container and reloads it. The webhook receiver runs on the host (127.0.0.1);
// containers reach it as host.docker.internal (HostAlias, an extra host mapped to the stack
// network's gateway), where a forwarder of the harness listens and relays to the receiver.
// Versions names each image and the version its label states.
// Measured on 2 cores: both containers ready in about 3 s; a stopped exporter's
// ServiceDown reached the pager webhook 3.3 s after the stop.
//
// # Logs
//
// Broker.Log and Service.Log read the container's output back from Docker (docker logs
// --tail), across restarts; Log(0) returns all of it, as proc.Process.Tail does. LogTo(w) (stack.LogTo) copies the broker's output live to w,
// each line prefixed "kafka-0 | ".
//
// # Cleanup
//
// Every container, network and volume carries the labels LabelOwner, LabelRun (the
// stack's RunID) and LabelPID; Kafka's data is a named volume with them
// (dashstream-<run>-kafka-0-data), not the image's anonymous one. Close removes everything
// with its run label (containers with their anonymous volumes, the network, the labelled
// volumes), safe twice, even for a half-started stack; the acceptance suite closes the
// stack on SIGINT/SIGTERM too. Sweep removes the leftovers of runs whose process is gone
// (SIGKILL): Start calls it first, and so does `scripts/dockerd sweep` (the same rule in
// shell), which every make target that needs Docker runs after its command, also when
// the command failed or was interrupted. Ryuk (testcontainers' reaper) is off.
// Measured: a suite run leaves no container, network or volume (docker ps -a, network
// ls, volume ls are empty afterwards).
//
// # Traps
//
//   - testcontainers-go is configured from the environment once per process: Start sets
//     TESTCONTAINERS_RYUK_DISABLED=true (Ryuk's image cannot be pulled without a registry)
//     and TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 (else it dials the default gateway) unless
//     they are set, before its first use.
//   - Published ports are on 127.0.0.1: run dockerd with --ip=127.0.0.1 (scripts/dockerd
//     does). A remote DOCKER_HOST is not supported: the harness dials 127.0.0.1.
//   - NetworkFaults act on the EXTERNAL path only (the harness's clients through the
//     proxy). Services in containers reach Kafka at kafka:19092 directly and do not see
//     the fault; to cut a service off, Pause it or Restart it with a wrong KAFKA_BROKERS.
//   - Measured on 2 cores with the local image: Start (network + broker ready) 3.3-4.7 s;
//     after Kill, Broker.Start to ready 8.5 s (log recovery of an unclean shutdown);
//     Broker.Stop (controlled shutdown) about 1 s.
//   - A paused broker is resumed before Stop and Kill.
//   - franz-go (v1.22) does not fail a buffered record when its ctx ends while the broker is
//     unreachable (killed, paused, cut): observed, a ProduceSync with a 3 s ctx during a
//     proxy cut did not return for minutes, and a record produced while the broker was
//     killed stayed pending after the restart until its ctx ended, while later records of
//     the same client were delivered. Assert "not acknowledged within N s" with a client of
//     its own, and recovery with the client created before the fault.
//   - The testcontainers-go client prints a banner on stderr the first time it connects.
package containers
