package stack

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/netfault"
)

// Capability names something a scenario may need from a stack.
type Capability string

// The capabilities a stack may declare.
const (
	// KillBroker: SIGKILL a broker and restart it with its data kept.
	KillBroker Capability = "kill-broker"
	// StopBroker: stop a broker gracefully and start it again.
	StopBroker Capability = "stop-broker"
	// PauseBroker: freeze a broker (SIGSTOP, docker pause) so connections hang.
	PauseBroker Capability = "pause-broker"
	// NetworkFaults: cut, delay or reset traffic to a broker through its advertised proxy.
	NetworkFaults Capability = "network-faults"
	// DeleteRecords: delete records below an offset (Kafka DeleteRecords).
	DeleteRecords Capability = "delete-records"
	// RunServices: run the reference services as processes the harness controls.
	RunServices Capability = "run-services"
	// MultiBroker: three brokers with replication factor 3 and min.insync.replicas 2.
	MultiBroker Capability = "multi-broker"
	// Monitoring: a Prometheus and Alertmanager the harness configures.
	Monitoring Capability = "monitoring"
	// ReceiveAlerts: Alertmanager delivers its notifications to a webhook receiver of the
	// harness, so a scenario sees when each one arrived (monitoring.Monitoring.WaitFor).
	ReceiveAlerts Capability = "receive-alerts"
	// Destructive: allowed to break shared infrastructure.
	Destructive Capability = "destructive"
	// DurableIdempotence: a broker killed with SIGKILL keeps the idempotent producers'
	// sequence state, so a batch retried across the kill is not written twice (Kafka
	// rebuilds it from its log; kfake keeps it only across a graceful shutdown).
	DurableIdempotence Capability = "keep-idempotence-across-kill"
	// HostServices: the services run as processes on the harness's host, so their
	// connections reach the harness's listeners and the broker's proxy directly (not through
	// Docker's networks and port forwarders, which buffer and re-dial), and their /proc can
	// be read.
	HostServices Capability = "host-services"
)

// Known lists every capability a stack may declare, in the order above.
func Known() []Capability {
	return []Capability{KillBroker, StopBroker, PauseBroker, NetworkFaults, DeleteRecords, RunServices,
		MultiBroker, Monitoring, ReceiveAlerts, Destructive, DurableIdempotence, HostServices}
}

// Stack hands out the infrastructure of one run.
type Stack interface {
	// Name is the stack's name: embedded, local, containers or external.
	Name() string
	// Capabilities lists what the stack can do.
	Capabilities() []Capability
	// Kafka returns the cluster.
	Kafka() Kafka
	// Services returns the runner of the reference services.
	Services() Services
	// StartMonitoring starts, or connects to, a Prometheus and an Alertmanager for one
	// scenario, scraping the given jobs: the pinned binaries as host processes (embedded,
	// local), containers on the stack's network (containers), the user's own (external,
	// which cannot be given jobs). The caller closes it.
	StartMonitoring(ctx context.Context, jobs ...monitoring.ScrapeJob) (monitoring.Monitoring, error)
	// Versions names the version of every component (kafka, prometheus, alertmanager).
	Versions() map[string]string
	// Close stops everything the stack started. Safe to call twice.
	Close(ctx context.Context) error
}

// Kafka is a cluster of one or more brokers.
type Kafka interface {
	// Bootstrap returns the addresses clients bootstrap from.
	Bootstrap() []string
	// Brokers returns the brokers, in node id order.
	Brokers() []Broker
	// Client returns a new franz-go client seeded with Bootstrap; the caller closes it.
	Client(opts ...kgo.Opt) (*kgo.Client, error)
	// Admin returns an admin client; the caller closes the underlying client with Close.
	Admin() (*kadm.Client, error)
	// Version is the broker software's version.
	Version() string
}

// Broker is one broker of a Kafka cluster, controllable where the stack allows it.
// Every method is bounded by ctx and returns ErrUnsupported where the stack lacks the
// capability.
type Broker interface {
	// Name identifies the broker in reports ("kafka-0").
	Name() string
	// Addr is the address clients use, and the one the broker advertises.
	Addr() string
	// Kill sends SIGKILL (or docker kill).
	Kill(ctx context.Context) error
	// Stop stops the broker gracefully.
	Stop(ctx context.Context) error
	// Start starts a stopped or killed broker with the same data and address, and waits
	// until it answers.
	Start(ctx context.Context) error
	// Pause freezes the broker; Resume undoes it.
	Pause(ctx context.Context) error
	// Resume undoes Pause.
	Resume(ctx context.Context) error
	// Proxy is the TCP proxy in front of the broker, or nil.
	Proxy() *netfault.Proxy
	// Log returns the last n lines of the broker's log.
	Log(n int) string
}

// Has reports whether s declares capability c.
func Has(s Stack, c Capability) bool {
	for _, have := range s.Capabilities() {
		if have == c {
			return true
		}
	}
	return false
}

// Missing returns a reason naming the capabilities in need that s lacks, or "" when it has
// them all. A scenario is skipped with this reason.
func Missing(s Stack, need ...Capability) string {
	var lack []string
	for _, c := range need {
		if !Has(s, c) {
			lack = append(lack, string(c))
		}
	}
	if len(lack) == 0 {
		return ""
	}
	sort.Strings(lack)
	return fmt.Sprintf("the %s stack cannot %s", s.Name(), strings.Join(lack, ", "))
}
