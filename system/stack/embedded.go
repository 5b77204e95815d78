package stack

import (
	"context"
	"fmt"
	"io"

	"github.com/dashstream/acceptance/system/kfakeproc"
	"github.com/dashstream/acceptance/system/netfault"
)

// startEmbedded starts kfake in its own process behind an advertised proxy.
func startEmbedded(ctx context.Context, cfg Config) (_ Stack, err error) {
	if cfg.Brokers != 1 {
		return nil, fmt.Errorf("the embedded stack runs one broker, %d asked: use STACK=local for a multi-broker cluster", cfg.Brokers)
	}
	s := &embedded{base: newBase("embedded", KillBroker, StopBroker, PauseBroker, NetworkFaults, DeleteRecords, RunServices, Monitoring, ReceiveAlerts, Destructive, HostServices),
		log: cfg.Log}
	defer func() {
		if err != nil {
			_ = s.Close(ctx)
		}
	}()
	k, closeKafka, err := s.startKafka(ctx)
	if err != nil {
		return nil, err
	}
	s.onClose(func() error { return closeKafka(context.Background()) })
	s.kafka.brokers, s.kafka.version = k.brokers, k.version
	s.setVersion("kafka", k.version)
	return s, nil
}

// embedded is the embedded stack: a base whose Kafka is kfake, which can also start a
// cluster of its own for one scenario (PrivateKafka).
type embedded struct {
	*base
	log io.Writer
}

// NewKafka starts another kfake broker, behind a proxy of its own, with the stack's
// broker capabilities: a scenario that breaks it breaks nothing shared.
func (s *embedded) NewKafka(ctx context.Context) (Kafka, func(context.Context) error, error) {
	return s.startKafka(ctx)
}

// startKafka starts kfake in its own process behind an advertised proxy and returns the
// cluster and the function that stops both.
func (s *embedded) startKafka(ctx context.Context) (_ *cluster, _ func(context.Context) error, err error) {
	// The proxy listens before the broker starts, so no other process can take the port
	// the broker advertises; it forwards to the broker's port, held from now until the
	// broker is closed (through kill and restart), so no other process can take that one
	// either.
	upstream, err := kfakeproc.ReservePort(0)
	if err != nil {
		return nil, nil, err
	}
	// The proxy's port is held as well: a network cut closes its listener and a heal
	// opens it again at the same address.
	front, err := holdLoopbackAddr()
	if err != nil {
		upstream.Close()
		return nil, nil, err
	}
	proxy, err := netfault.New("kafka-0", front.addr, upstream.Addr())
	if err != nil {
		front.release()
		upstream.Close()
		return nil, nil, err
	}
	b, err := kfakeproc.Start(ctx, kfakeproc.ListenOn(upstream), kfakeproc.AdvertisePort(port(proxy.Addr())),
		kfakeproc.LogWriter(s.log))
	if err != nil {
		proxy.Close()
		front.release()
		upstream.Close()
		return nil, nil, err
	}
	if b.ListenAddr() != upstream.Addr() {
		proxy.Close()
		front.release()
		b.Close()
		return nil, nil, fmt.Errorf("embedded stack: kfake listens on %s, its proxy forwards to %s", b.ListenAddr(), upstream.Addr())
	}
	closeFn := func(context.Context) error { proxy.Close(); front.release(); b.Close(); return nil }
	return &cluster{
		brokers: []Broker{&controlledBroker{
			name: "kafka-0", addr: proxy.Addr(), proxy: proxy,
			kill: b.Kill, stop: b.Stop, start: b.Restart, pause: b.Pause, resume: b.Resume, log: b.Log,
		}},
		version: "kfake " + b.Version(ctx),
	}, closeFn, nil
}
