package stack

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/dashstream/acceptance/system/kafkalocal"
	"github.com/dashstream/acceptance/system/netfault"
)

// startLocal starts real Apache Kafka (1 or 3 brokers), each behind an advertised proxy.
func startLocal(ctx context.Context, cfg Config) (_ Stack, err error) {
	if cfg.Brokers != 1 && cfg.Brokers != 3 {
		return nil, fmt.Errorf("the local stack runs 1 or 3 brokers, %d asked", cfg.Brokers)
	}
	caps := []Capability{KillBroker, StopBroker, PauseBroker, NetworkFaults, DeleteRecords, RunServices, Monitoring, ReceiveAlerts, Destructive, DurableIdempotence, HostServices}
	if cfg.Brokers == 3 {
		caps = append(caps, MultiBroker)
	}
	s := newBase("local", caps...)
	defer func() {
		if err != nil {
			_ = s.Close(ctx)
		}
	}()
	// Each broker's client port and its proxy's port are held from now until the stack
	// closes (heldAddr): the JVM and the proxy bind them (both set SO_REUSEADDR), at
	// their start and after a kill or a cut, and no other process is handed them meanwhile.
	proxies := make([]*netfault.Proxy, cfg.Brokers)
	listen, advertised := make([]int, cfg.Brokers), make([]int, cfg.Brokers)
	for i := range proxies {
		name := "kafka-" + strconv.Itoa(i)
		upstream, err := holdLoopbackAddr()
		if err != nil {
			return nil, err
		}
		s.onClose(func() error { upstream.release(); return nil })
		front, err := holdLoopbackAddr()
		if err != nil {
			return nil, err
		}
		s.onClose(func() error { front.release(); return nil })
		proxy, err := netfault.New(name, front.addr, upstream.addr)
		if err != nil {
			return nil, err
		}
		s.onClose(func() error { proxy.Close(); return nil })
		proxies[i], listen[i], advertised[i] = proxy, port(upstream.addr), port(proxy.Addr())
	}
	c, err := kafkalocal.Start(ctx, kafkalocal.Brokers(cfg.Brokers), kafkalocal.ListenPorts(listen...),
		kafkalocal.AdvertisedPorts(advertised...), kafkalocal.LogWriter(cfg.Log), kafkalocal.Progress(cfg.Progress))
	if err != nil {
		return nil, err
	}
	s.onClose(c.Close)
	for i, addr := range c.ListenAddrs() {
		if addr != proxies[i].Upstream() {
			return nil, fmt.Errorf("local stack: broker %d listens on %s, its proxy forwards to %s", i, addr, proxies[i].Upstream())
		}
		s.kafka.brokers = append(s.kafka.brokers, LocalBroker(c, i, proxies[i]))
	}
	s.kafka.version = "Apache Kafka " + c.Version()
	s.setVersion("kafka", s.kafka.version)
	return s, nil
}

// port returns the port of a host:port address (0 if it has none).
func port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}
