package containers

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	mnet "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/system/netfault"
	waitpoll "github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/stack"
)

// Kafka's listeners inside the container.
const (
	// KafkaAlias is the broker's name on the stack's network.
	KafkaAlias = "kafka"
	// InternalPort is the INTERNAL listener: containers on the network use kafka:19092.
	InternalPort = 19092
	// externalPort is the EXTERNAL listener, published on a pinned loopback port and
	// advertised as the host proxy's address.
	externalPort = 9092
	// controllerPort is the KRaft controller listener (in the container only).
	controllerPort = 9093
	// kafkaDataDir is the broker's log.dirs, a labelled volume of the run.
	kafkaDataDir = "/var/lib/kafka/data"
	// clusterID is the KRaft cluster id storage is formatted with.
	clusterID = "ZGFzaHN0cmVhbS1hY2NlcHQ"
)

// InternalBootstrap is the address services on the stack's network reach Kafka at.
var InternalBootstrap = KafkaAlias + ":" + strconv.Itoa(InternalPort)

// kafkaEnv configures the broker in the official apache/kafka image's convention, which
// the local image follows: a combined broker+controller, INTERNAL for the network,
// EXTERNAL advertised as the host proxy.
func kafkaEnv(advertisedExternal string) map[string]string {
	return map[string]string{
		"CLUSTER_ID":                                             clusterID,
		"KAFKA_NODE_ID":                                          "1",
		"KAFKA_PROCESS_ROLES":                                    "broker,controller",
		"KAFKA_LISTENERS":                                        fmt.Sprintf("INTERNAL://:%d,EXTERNAL://:%d,CONTROLLER://:%d", InternalPort, externalPort, controllerPort),
		"KAFKA_ADVERTISED_LISTENERS":                             fmt.Sprintf("INTERNAL://%s,EXTERNAL://%s", InternalBootstrap, advertisedExternal),
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP":                   "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"KAFKA_INTER_BROKER_LISTENER_NAME":                       "INTERNAL",
		"KAFKA_CONTROLLER_LISTENER_NAMES":                        "CONTROLLER",
		"KAFKA_CONTROLLER_QUORUM_VOTERS":                         fmt.Sprintf("1@localhost:%d", controllerPort),
		"KAFKA_LOG_DIRS":                                         kafkaDataDir,
		"KAFKA_NUM_PARTITIONS":                                   "1",
		"KAFKA_AUTO_CREATE_TOPICS_ENABLE":                        "true",
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR":                 "1",
		"KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS":                     "10",
		"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR":         "1",
		"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR":                    "1",
		"KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS":             "10",
		"KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
		"KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR":            "1",
		"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS":                 "0",
		"KAFKA_BROKER_SESSION_TIMEOUT_MS":                        "6000",
		"KAFKA_BROKER_HEARTBEAT_INTERVAL_MS":                     "1000",
		"KAFKA_HEAP_OPTS":                                        "-Xms32m -Xmx512m",
		"KAFKA_JVM_PERFORMANCE_OPTS":                             "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError",
	}
}

// kafkaCluster implements stack.Kafka over the one broker container.
type kafkaCluster struct {
	broker  *broker
	version string
}

func (c *kafkaCluster) Bootstrap() []string     { return []string{c.broker.Addr()} }
func (c *kafkaCluster) Brokers() []stack.Broker { return []stack.Broker{c.broker} }
func (c *kafkaCluster) Version() string         { return c.version }

func (c *kafkaCluster) Client(opts ...kgo.Opt) (*kgo.Client, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Bootstrap()...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

func (c *kafkaCluster) Admin() (*kadm.Client, error) {
	cl, err := c.Client()
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

// broker is the Kafka container, its pinned published port and the proxy in front of it.
type broker struct {
	st        *Stack
	ctr       *testcontainers.DockerContainer
	published string // 127.0.0.1:<pinned port> -> container 9092
	proxy     *netfault.Proxy
	paused    atomic.Bool
	logs      *follower
}

var _ stack.Broker = (*broker)(nil)

// startKafka starts the broker container on the stack's network with its EXTERNAL
// listener published on a pinned loopback port behind an advertised proxy.
func startKafka(ctx context.Context, st *Stack, image, version string) (*kafkaCluster, error) {
	proxyAddr, err := netfault.FreeAddr()
	if err != nil {
		return nil, err
	}
	published, err := netfault.FreeAddr()
	if err != nil {
		return nil, err
	}
	b := &broker{st: st, published: published, logs: &follower{cli: st.cli, w: st.log, prefix: "kafka-0 | "}}
	started := time.Now()
	if b.proxy, err = netfault.New("kafka-0", proxyAddr, published); err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(published)
	b.ctr, err = testcontainers.Run(ctx, image,
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		testcontainers.WithName(st.name("kafka-0")),
		testcontainers.WithLabels(runLabels(st.runID)),
		testcontainers.WithEnv(kafkaEnv(proxyAddr)),
		testcontainers.WithExposedPorts(fmt.Sprintf("%d/tcp", externalPort)),
		network.WithNetwork([]string{KafkaAlias}, st.net),
		testcontainers.WithHostConfigModifier(pinPort(externalPort, port)),
		testcontainers.WithHostConfigModifier(labelledVolume(st.name("kafka-0-data"), kafkaDataDir, runLabels(st.runID))),
	)
	if err != nil {
		b.proxy.Close()
		return nil, fmt.Errorf("start kafka container (image %s): %w", image, err)
	}
	b.logs.follow(b.ctr.GetContainerID(), started.Add(-time.Second))
	if err := b.waitReady(ctx); err != nil {
		b.proxy.Close()
		return nil, err
	}
	return &kafkaCluster{broker: b, version: "Apache Kafka " + version}, nil
}

// labelledVolume mounts the named volume name at target, created by Docker with labels
// on first use: unlike the anonymous volume the image's VOLUME would get, it is found by
// label (Close, Sweep) even when its container was removed without its volumes.
func labelledVolume(name, target string, labels map[string]string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeVolume, Source: name, Target: target,
			VolumeOptions: &mount.VolumeOptions{Labels: labels}})
	}
}

// pinPort publishes containerPort on 127.0.0.1:hostPort, so a restarted container comes
// back at the same host address.
func pinPort(containerPort int, hostPort string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		hc.PortBindings = mnet.PortMap{
			mnet.MustParsePort(fmt.Sprintf("%d/tcp", containerPort)): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: hostPort}},
		}
	}
}

func (b *broker) Name() string           { return "kafka-0" }
func (b *broker) Addr() string           { return b.proxy.Addr() }
func (b *broker) Proxy() *netfault.Proxy { return b.proxy }
func (b *broker) cli() client.APIClient  { return b.st.cli }
func (b *broker) close()                 { b.proxy.Close(); b.logs.stop() }

// Log returns the last n lines of the broker container's output.
func (b *broker) Log(n int) string {
	return containerLogs(context.Background(), b.cli(), b.ctr.GetContainerID(), n)
}

// Kill is docker kill (SIGKILL); the container and its data stay.
func (b *broker) Kill(ctx context.Context) error {
	if err := b.resumeIfPaused(ctx); err != nil {
		return err
	}
	if _, err := b.cli().ContainerKill(ctx, b.ctr.GetContainerID(), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		return fmt.Errorf("docker kill: %w", err)
	}
	return b.waitExited(ctx)
}

// Stop is docker stop: SIGTERM (controlled shutdown), SIGKILL after DefaultGrace.
func (b *broker) Stop(ctx context.Context) error {
	if err := b.resumeIfPaused(ctx); err != nil {
		return err
	}
	grace := int(DefaultGrace.Seconds())
	if _, err := b.cli().ContainerStop(ctx, b.ctr.GetContainerID(), client.ContainerStopOptions{Timeout: &grace}); err != nil {
		return fmt.Errorf("docker stop: %w", err)
	}
	return nil
}

// Start starts the stopped or killed container (same data, same pinned port) and waits
// until the broker answers.
func (b *broker) Start(ctx context.Context) error {
	started := time.Now()
	if _, err := b.cli().ContainerStart(ctx, b.ctr.GetContainerID(), client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("docker start: %w", err)
	}
	b.logs.follow(b.ctr.GetContainerID(), started.Add(-time.Second))
	return b.waitReady(ctx)
}

// Pause is docker pause (cgroup freezer): connections stay open and hang.
func (b *broker) Pause(ctx context.Context) error {
	if _, err := b.cli().ContainerPause(ctx, b.ctr.GetContainerID(), client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("docker pause: %w", err)
	}
	b.paused.Store(true)
	return nil
}

// Resume is docker unpause; a no-op when not paused.
func (b *broker) Resume(ctx context.Context) error { return b.resumeIfPaused(ctx) }

func (b *broker) resumeIfPaused(ctx context.Context) error {
	if !b.paused.Load() {
		return nil
	}
	if _, err := b.cli().ContainerUnpause(ctx, b.ctr.GetContainerID(), client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("docker unpause: %w", err)
	}
	b.paused.Store(false)
	return nil
}

// waitExited polls until the container no longer runs.
func (b *broker) waitExited(ctx context.Context) error {
	return poll(ctx, 10*time.Second, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		res, err := b.cli().ContainerInspect(ctx, b.ctr.GetContainerID(), client.ContainerInspectOptions{})
		if err != nil {
			return false, err.Error()
		}
		return res.Container.State != nil && !res.Container.State.Running, "still running"
	})
}

// waitReady polls until a metadata request sent straight to the published port (not
// through the proxy, which may carry a fault) lists the broker and a controller.
func (b *broker) waitReady(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.published), kgo.DialTimeout(2*time.Second),
		kgo.RequestTimeoutOverhead(2*time.Second))
	if err != nil {
		return fmt.Errorf("wait for kafka: %w", err)
	}
	defer cl.Close()
	err = poll(ctx, DefaultStartTimeout, 200*time.Millisecond, func(ctx context.Context) (bool, string) {
		if st, err := b.cli().ContainerInspect(ctx, b.ctr.GetContainerID(), client.ContainerInspectOptions{}); err == nil &&
			st.Container.State != nil && !st.Container.State.Running {
			return false, fmt.Sprintf("container exited (code %d)", st.Container.State.ExitCode)
		}
		seeds := cl.SeedBrokers()
		if len(seeds) == 0 {
			return false, "no seed broker"
		}
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		resp, err := seeds[0].Request(rctx, kmsg.NewPtrMetadataRequest())
		if err != nil {
			return false, err.Error()
		}
		m := resp.(*kmsg.MetadataResponse)
		if len(m.Brokers) == 0 || m.ControllerID < 0 {
			return false, fmt.Sprintf("%d brokers registered, controller %d", len(m.Brokers), m.ControllerID)
		}
		return true, ""
	})
	if err != nil {
		return fmt.Errorf("kafka container did not become ready at %s: %w\n%s", b.published, err, b.Log(40))
	}
	return nil
}

// poll calls check every interval until it reports done, timeout passes or ctx ends
// (system/poll); the error names the last reason check gave.
func poll(ctx context.Context, timeout, interval time.Duration, check func(context.Context) (bool, string)) error {
	_, last, err := waitpoll.Until(ctx, timeout, interval, func(ctx context.Context) (bool, string, error) {
		done, why := check(ctx)
		return done, why, nil
	})
	if err != nil {
		return fmt.Errorf("%w (last: %s)", err, last)
	}
	return nil
}
