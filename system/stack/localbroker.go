package stack

import (
	"context"
	"strconv"

	"github.com/dashstream/acceptance/system/kafkalocal"
	"github.com/dashstream/acceptance/system/netfault"
)

// LocalBroker returns broker i of a real Kafka cluster as a Broker, so that chaos faults
// reach it: kill, stop, start, pause and resume act on its process; its address is the
// proxy's when proxy is set (the local stack), else the one the broker advertises (a
// cluster started by a tool without the stack, such as the delivery soak).
func LocalBroker(c *kafkalocal.Cluster, i int, proxy *netfault.Proxy) Broker {
	addr := c.Bootstrap()[i]
	if proxy != nil {
		addr = proxy.Addr()
	}
	return &controlledBroker{
		name: "kafka-" + strconv.Itoa(i), addr: addr, proxy: proxy,
		kill:   func(ctx context.Context) error { return c.Kill(ctx, i) },
		stop:   func(ctx context.Context) error { return c.Stop(ctx, i) },
		start:  func(ctx context.Context) error { return c.Start(ctx, i) },
		pause:  func(context.Context) error { return c.Pause(i) },
		resume: func(context.Context) error { return c.Resume(i) },
		log:    func(n int) string { return c.Log(i, n) },
	}
}
