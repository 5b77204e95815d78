package kafkalocal

import (
	"io"
	"os"
	"time"
)

// Option configures Start. Options apply in order; a later option overrides an earlier one.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	brokers         int
	dataDir         string
	logWriter       io.Writer
	progress        io.Writer
	version         string
	libRoot         string
	java            string
	heap            string
	jvmArgs         []string
	listenPorts     []int
	advertisedPorts []int
	brokerConfig    map[string]string
	startTimeout    time.Duration
	stopGrace       time.Duration
	cds             bool
}

func defaults() config {
	return config{
		brokers:      1,
		progress:     os.Stderr,
		version:      DefaultVersion,
		heap:         "512m",
		brokerConfig: map[string]string{},
		startTimeout: 2 * time.Minute,
		stopGrace:    30 * time.Second,
		cds:          true,
	}
}

// Brokers sets how many brokers to run (default 1). Every broker is a combined KRaft broker
// and controller, and all of them vote in the controller quorum: with 3, the cluster keeps
// working with one broker down; with 2, losing either one stops the quorum.
func Brokers(n int) Option { return optionFunc(func(c *config) { c.brokers = n }) }

// DataDir puts the cluster's folders (one per broker, plus the logging config) under dir,
// instead of a fresh temporary folder. Close leaves a DataDir in place; a later Start with
// the same DataDir and broker count reuses the formatted storage, so the data comes back.
func DataDir(dir string) Option { return optionFunc(func(c *config) { c.dataDir = dir }) }

// LogWriter receives a copy of every line the brokers print, prefixed with "kafka-<i> | ".
// The last lines of each broker are kept in memory whatever this says (see Cluster.Log).
func LogWriter(w io.Writer) Option { return optionFunc(func(c *config) { c.logWriter = w }) }

// Progress receives progress messages of the first-use jar resolution and class-data
// archive build (default os.Stderr; nil discards them).
func Progress(w io.Writer) Option {
	return optionFunc(func(c *config) {
		c.progress = w
		if w == nil {
			c.progress = io.Discard
		}
	})
}

// KafkaVersion selects the Apache Kafka version (default DefaultVersion). Any 4.x release
// on Maven Central works; its jars are resolved on first use.
func KafkaVersion(v string) Option { return optionFunc(func(c *config) { c.version = v }) }

// LibRoot sets the folder that caches jars, one subfolder per version (default
// DefaultLibRoot(): <repo root>/.bin/kafka-libs).
func LibRoot(dir string) Option { return optionFunc(func(c *config) { c.libRoot = dir }) }

// Java sets the java executable (default $JAVA_HOME/bin/java, else java in PATH). Kafka 4
// needs Java 17 or newer.
func Java(path string) Option { return optionFunc(func(c *config) { c.java = path }) }

// Heap sets the broker JVMs' maximum heap, in java -Xmx syntax (default "512m").
func Heap(size string) Option { return optionFunc(func(c *config) { c.heap = size }) }

// JVMArgs appends arguments to every broker's java command line, after the defaults.
func JVMArgs(args ...string) Option {
	return optionFunc(func(c *config) { c.jvmArgs = append(c.jvmArgs, args...) })
}

// ListenPorts pins the client port of broker i to ports[i] (0 or missing: a free port is
// picked). Controller ports are always picked. Ports never change across restarts.
func ListenPorts(ports ...int) Option {
	return optionFunc(func(c *config) { c.listenPorts = ports })
}

// AdvertisedPorts makes broker i advertise 127.0.0.1:ports[i] to clients instead of its own
// port (0 or missing: its own), so that a TCP proxy listening there cannot be bypassed.
// Trap: the proxy must forward to Cluster.ListenAddrs()[i]; clients given Bootstrap() then
// reach the brokers only through the proxies. The harness's own readiness checks talk to
// the listen addresses directly and do not need the proxies to be up.
func AdvertisedPorts(ports ...int) Option {
	return optionFunc(func(c *config) { c.advertisedPorts = ports })
}

// BrokerConfig sets a server.properties entry on every broker, over the defaults.
func BrokerConfig(key, value string) Option {
	return optionFunc(func(c *config) { c.brokerConfig[key] = value })
}

// StartTimeout bounds how long Start, Cluster.Start and Cluster.Restart wait for brokers
// to be ready, on top of the caller's context (default 2 minutes).
func StartTimeout(d time.Duration) Option { return optionFunc(func(c *config) { c.startTimeout = d }) }

// StopGrace is how long Cluster.Stop waits after SIGTERM before SIGKILL (default 30 s).
func StopGrace(d time.Duration) Option { return optionFunc(func(c *config) { c.stopGrace = d }) }

// ClassDataSharing turns the JVM class-data archive on or off (default on). On first use
// with a given java, a throw-away broker runs once to record the archive (about 15 s, under
// the jar folder's lock); afterwards brokers start about twice as fast.
func ClassDataSharing(on bool) Option { return optionFunc(func(c *config) { c.cds = on }) }
