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
	caps := []Capability{KillBroker, StopBroker, PauseBroker, NetworkFaults, DeleteRecords, RunServices, Monitoring, Destructive}
	if cfg.Brokers == 3 {
		caps = append(caps, MultiBroker)
	}
	s := newBase("local", caps...)
	defer func() {
		if err != nil {
			_ = s.Close(ctx)
		}
	}()
	proxyAddrs := make([]string, cfg.Brokers)
	advertised := make([]int, cfg.Brokers)
	for i := range proxyAddrs {
		if proxyAddrs[i], err = netfault.FreeAddr(); err != nil {
			return nil, err
		}
		_, port, _ := net.SplitHostPort(proxyAddrs[i])
		advertised[i], _ = strconv.Atoi(port)
	}
	c, err := kafkalocal.Start(ctx, kafkalocal.Brokers(cfg.Brokers), kafkalocal.AdvertisedPorts(advertised...),
		kafkalocal.LogWriter(cfg.Log), kafkalocal.Progress(cfg.Progress))
	if err != nil {
		return nil, err
	}
	s.onClose(c.Close)
	for i, listen := range c.ListenAddrs() {
		name := "kafka-" + strconv.Itoa(i)
		proxy, err := netfault.New(name, proxyAddrs[i], listen)
		if err != nil {
			return nil, err
		}
		s.onClose(func() error { proxy.Close(); return nil })
		s.kafka.brokers = append(s.kafka.brokers, &controlledBroker{
			name: name, addr: proxy.Addr(), proxy: proxy,
			kill:   func(ctx context.Context) error { return c.Kill(ctx, i) },
			stop:   func(ctx context.Context) error { return c.Stop(ctx, i) },
			start:  func(ctx context.Context) error { return c.Start(ctx, i) },
			pause:  func(context.Context) error { return c.Pause(i) },
			resume: func(context.Context) error { return c.Resume(i) },
			log:    func(n int) string { return c.Log(i, n) },
		})
	}
	s.kafka.version = "Apache Kafka " + c.Version()
	s.setVersion("kafka", s.kafka.version)
	return s, nil
}
