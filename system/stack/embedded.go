package stack

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/dashstream/acceptance/system/kfakeproc"
	"github.com/dashstream/acceptance/system/netfault"
)

// startEmbedded starts kfake in its own process behind an advertised proxy.
func startEmbedded(ctx context.Context, cfg Config) (_ Stack, err error) {
	if cfg.Brokers != 1 {
		return nil, fmt.Errorf("the embedded stack runs one broker, %d asked: use STACK=local for a multi-broker cluster", cfg.Brokers)
	}
	s := newBase("embedded", KillBroker, StopBroker, PauseBroker, NetworkFaults, DeleteRecords, RunServices, Monitoring, Destructive)
	defer func() {
		if err != nil {
			_ = s.Close(ctx)
		}
	}()
	proxyAddr, err := netfault.FreeAddr()
	if err != nil {
		return nil, err
	}
	_, portStr, _ := net.SplitHostPort(proxyAddr)
	advertise, _ := strconv.Atoi(portStr)
	b, err := kfakeproc.Start(ctx, kfakeproc.AdvertisePort(advertise), kfakeproc.LogWriter(cfg.Log))
	if err != nil {
		return nil, err
	}
	s.onClose(func() error { b.Close(); return nil })
	proxy, err := netfault.New("kafka-0", proxyAddr, b.ListenAddr())
	if err != nil {
		return nil, err
	}
	s.onClose(func() error { proxy.Close(); return nil })
	s.kafka.brokers = []Broker{&controlledBroker{
		name: "kafka-0", addr: proxy.Addr(), proxy: proxy,
		kill: b.Kill, stop: b.Stop, start: b.Restart, pause: b.Pause, resume: b.Resume, log: b.Log,
	}}
	s.kafka.version = "kfake " + b.Version(ctx)
	s.setVersion("kafka", s.kafka.version)
	return s, nil
}
