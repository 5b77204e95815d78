package chaos

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/system/netfault"
	"github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/stack"
)

// DefaultLatency is the delay of the "network-latency" outage in BrokerOutages and ByName.
const DefaultLatency = 5 * time.Second

// brokerFault is a fault on one broker, reverted by one call, and recovered when the
// broker answers a metadata request at its advertised address again.
type brokerFault struct {
	name   string
	need   stack.Capability
	b      stack.Broker
	cfg    config
	what   string // what the fault does, for the timeline
	undone string // what Undo did, for the timeline
	do     func(ctx context.Context) error
	revert func(ctx context.Context) error
}

func (f *brokerFault) Name() string              { return f.name }
func (f *brokerFault) Needs() []stack.Capability { return []stack.Capability{f.need} }

func (f *brokerFault) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	if _, err := waitAnswers(ctx, f.b.Addr(), DefaultHealthCheck); err != nil {
		return nil, fmt.Errorf("inject %s: broker %s is not healthy before the fault, so the fault would prove nothing: %w", f.name, f.b.Name(), err)
	}
	detail := fmt.Sprintf("%s (%s): %s", f.b.Name(), f.b.Addr(), f.what)
	var took time.Duration
	return inject(ctx, tl, f.name, detail, func(ctx context.Context) (injection, error) {
		if err := f.do(ctx); err != nil {
			return injection{}, err
		}
		revert := func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, f.cfg.recovery)
			defer cancel()
			return f.revert(ctx)
		}
		recovered := func(ctx context.Context) (err error) {
			took, err = waitAnswers(ctx, f.b.Addr(), f.cfg.recovery)
			return err
		}
		note := func() string {
			return fmt.Sprintf("%s (%s): %s; answered metadata %s later", f.b.Name(), f.b.Addr(), f.undone, took.Round(time.Millisecond))
		}
		return injection{steps: []undoStep{revert, recovered}, endNote: note}, nil
	}, f.revert)
}

func newBrokerFault(b stack.Broker, opts []Option, f brokerFault) *brokerFault {
	f.b, f.cfg = b, newConfig(opts)
	return &f
}

// BrokerKill kills broker b with SIGKILL (docker kill); Undo starts it again with its data
// and address kept.
func BrokerKill(b stack.Broker, opts ...Option) Fault {
	return newBrokerFault(b, opts, brokerFault{name: "broker-kill", need: stack.KillBroker,
		what: "killed with SIGKILL", undone: "started again", do: b.Kill, revert: b.Start})
}

// BrokerStop stops broker b gracefully; Undo starts it again.
func BrokerStop(b stack.Broker, opts ...Option) Fault {
	return newBrokerFault(b, opts, brokerFault{name: "broker-stop", need: stack.StopBroker,
		what: "stopped gracefully", undone: "started again", do: b.Stop, revert: b.Start})
}

// BrokerPause freezes broker b (SIGSTOP, docker pause): connections stay open and nothing
// answers. Undo resumes it.
func BrokerPause(b stack.Broker, opts ...Option) Fault {
	return newBrokerFault(b, opts, brokerFault{name: "broker-pause", need: stack.PauseBroker,
		what: "paused (SIGSTOP)", undone: "resumed", do: b.Pause, revert: b.Resume})
}

// networkFault builds a fault on b's advertised proxy; Undo heals the proxy, which
// removes every network fault on it (see the package doc).
func networkFault(b stack.Broker, opts []Option, name, what string, do func(*netfault.Proxy) error) Fault {
	withProxy := func(op func(*netfault.Proxy) error) func(context.Context) error {
		return func(context.Context) error {
			p := b.Proxy()
			if p == nil {
				return fmt.Errorf("broker %s has no proxy: %w", b.Name(), stack.ErrUnsupported)
			}
			return op(p)
		}
	}
	return newBrokerFault(b, opts, brokerFault{name: name, need: stack.NetworkFaults, what: what, undone: "proxy healed",
		do: withProxy(do), revert: withProxy((*netfault.Proxy).Heal)})
}

// NetworkCut closes b's proxy and its connections: clients get "connection refused", as
// when the host is down. Undo heals the proxy.
func NetworkCut(b stack.Broker, opts ...Option) Fault {
	return networkFault(b, opts, "network-cut", "proxy cut: connections refused", (*netfault.Proxy).Cut)
}

// NetworkBlackhole drops every byte to and from b while keeping connections open, as in
// a partition: requests hang until the clients' own timeouts fire. Undo heals the proxy;
// connections that lost bytes stay stuck until their clients time them out.
func NetworkBlackhole(b stack.Broker, opts ...Option) Fault {
	return networkFault(b, opts, "network-blackhole", "proxy drops all data both ways", (*netfault.Proxy).Blackhole)
}

// NetworkLatency delays every response from b by d plus up to jitter. Undo heals the proxy.
func NetworkLatency(b stack.Broker, d, jitter time.Duration, opts ...Option) Fault {
	what := fmt.Sprintf("proxy delays responses by %s (jitter %s)", d, jitter)
	return networkFault(b, opts, "network-latency", what, func(p *netfault.Proxy) error { return p.Latency(d, jitter) })
}

// NetworkReset resets (TCP RST) every connection to b as soon as a client sends data.
// Undo heals the proxy.
func NetworkReset(b stack.Broker, opts ...Option) Fault {
	return networkFault(b, opts, "network-reset", "proxy resets every connection on its first request",
		func(p *netfault.Proxy) error { return p.ResetPeer(0) })
}

// outages lists the broker outages by their short name, in the order BrokerOutages
// returns them.
var outages = []struct {
	short string
	make  func(stack.Broker, []Option) Fault
}{
	{"kill", func(b stack.Broker, o []Option) Fault { return BrokerKill(b, o...) }},
	{"stop", func(b stack.Broker, o []Option) Fault { return BrokerStop(b, o...) }},
	{"pause", func(b stack.Broker, o []Option) Fault { return BrokerPause(b, o...) }},
	{"network-cut", func(b stack.Broker, o []Option) Fault { return NetworkCut(b, o...) }},
	{"network-blackhole", func(b stack.Broker, o []Option) Fault { return NetworkBlackhole(b, o...) }},
	{"network-latency", func(b stack.Broker, o []Option) Fault { return NetworkLatency(b, DefaultLatency, 0, o...) }},
	{"network-reset", func(b stack.Broker, o []Option) Fault { return NetworkReset(b, o...) }},
}

// OutageNames lists the names ByName accepts, in the order of BrokerOutages: kill, stop,
// pause, network-cut, network-blackhole, network-latency, network-reset.
func OutageNames() []string {
	out := make([]string, len(outages))
	for i, o := range outages {
		out[i] = o.short
	}
	return out
}

// BrokerOutages returns every kind of outage of broker b, in the order of OutageNames;
// network-latency delays by DefaultLatency.
func BrokerOutages(b stack.Broker, opts ...Option) []Fault {
	out := make([]Fault, len(outages))
	for i, o := range outages {
		out[i] = o.make(b, opts)
	}
	return out
}

// ByName returns the outage of broker b called name: one of OutageNames, or the fault's
// Name ("broker-kill" as well as "kill"), so a Gherkin outline can say <outage>.
func ByName(name string, b stack.Broker, opts ...Option) (Fault, error) {
	for _, o := range outages {
		f := o.make(b, opts)
		if name == o.short || name == f.Name() {
			return f, nil
		}
	}
	return nil, fmt.Errorf("broker outage %q: unknown: use one of %s", name, strings.Join(OutageNames(), ", "))
}

// waitAnswers polls addr with a metadata request until it answers, for at most within
// (and ctx), and returns how long that took.
func waitAnswers(ctx context.Context, addr string, within time.Duration) (time.Duration, error) {
	took, last, err := poll.Until(ctx, within, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		return true, "", probe(ctx, addr)
	})
	if err != nil {
		return took, fmt.Errorf("broker at %s did not answer a metadata request within %s: %w (last: %s)", addr, within, err, last)
	}
	return took, nil
}

// probe sends one metadata request to the broker at addr itself (not to another broker
// of its cluster), bounded by 2 s.
func probe(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(time.Second), kgo.RequestRetries(0))
	if err != nil {
		return fmt.Errorf("probe %s: %w", addr, err)
	}
	defer cl.Close()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	if _, err := cl.SeedBrokers()[0].Request(ctx, req); err != nil {
		return fmt.Errorf("probe %s: %w", addr, err)
	}
	return nil
}
