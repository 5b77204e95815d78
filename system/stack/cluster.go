package stack

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/netfault"
)

// cluster implements Kafka over a list of brokers.
type cluster struct {
	brokers []Broker
	version string
}

func (c *cluster) Bootstrap() []string {
	out := make([]string, len(c.brokers))
	for i, b := range c.brokers {
		out[i] = b.Addr()
	}
	return out
}

func (c *cluster) Brokers() []Broker { return c.brokers }
func (c *cluster) Version() string   { return c.version }

func (c *cluster) Client(opts ...kgo.Opt) (*kgo.Client, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Bootstrap()...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

func (c *cluster) Admin() (*kadm.Client, error) {
	cl, err := c.Client()
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

// controlledBroker implements Broker with functions supplied by a stack; a nil function
// is an unsupported operation.
type controlledBroker struct {
	name, addr                       string
	proxy                            *netfault.Proxy
	kill, stop, start, pause, resume func(context.Context) error
	log                              func(int) string
}

func (b *controlledBroker) Name() string           { return b.name }
func (b *controlledBroker) Addr() string           { return b.addr }
func (b *controlledBroker) Proxy() *netfault.Proxy { return b.proxy }

func (b *controlledBroker) call(op string, fn func(context.Context) error, ctx context.Context) error {
	if fn == nil {
		return fmt.Errorf("%s %s: %w", op, b.name, ErrUnsupported)
	}
	if err := fn(ctx); err != nil {
		return fmt.Errorf("%s %s: %w", op, b.name, err)
	}
	return nil
}

func (b *controlledBroker) Kill(ctx context.Context) error   { return b.call("kill", b.kill, ctx) }
func (b *controlledBroker) Stop(ctx context.Context) error   { return b.call("stop", b.stop, ctx) }
func (b *controlledBroker) Start(ctx context.Context) error  { return b.call("start", b.start, ctx) }
func (b *controlledBroker) Pause(ctx context.Context) error  { return b.call("pause", b.pause, ctx) }
func (b *controlledBroker) Resume(ctx context.Context) error { return b.call("resume", b.resume, ctx) }

func (b *controlledBroker) Log(n int) string {
	if b.log == nil {
		return ""
	}
	return b.log(n)
}
