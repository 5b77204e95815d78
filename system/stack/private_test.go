package stack_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
)

func TestPrivateKafkaIsolatesAScenario(t *testing.T) {
	s := openStack(t, "embedded")
	pk, ok := s.(stack.PrivateKafka)
	require.True(t, ok, "the embedded stack starts private clusters")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	before := len(proc.Live())
	k, closeKafka, err := pk.NewKafka(ctx)
	require.NoError(t, err)
	require.NotEqual(t, s.Kafka().Bootstrap(), k.Bootstrap())
	view := stack.WithKafka(s, k)
	require.Equal(t, k, view.Kafka())
	require.Equal(t, s.Name(), view.Name())

	// A service started through the view writes to the private cluster.
	createTopic(t, view, "private-topic")
	res, err := view.Services().Run(ctx, stack.ServiceSpec{Name: "produce", Binary: stack.Produce,
		Args: []string{"-topic", "private-topic", "-messages", "3"}})
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s", res.Stderr)
	consume(t, view, "private-topic", 3)

	// Killing the private broker leaves the shared one answering.
	require.NoError(t, k.Brokers()[0].Kill(ctx))
	adm, err := s.Kafka().Admin()
	require.NoError(t, err)
	defer adm.Close()
	_, err = adm.BrokerMetadata(ctx)
	require.NoError(t, err, "the shared broker must not notice")

	require.NoError(t, view.Close(ctx), "closing the view closes nothing")
	_, err = adm.BrokerMetadata(ctx)
	require.NoError(t, err)
	require.NoError(t, closeKafka(ctx))
	require.Len(t, proc.Live(), before, "the private cluster's processes are gone")
}

func TestWithKafkaKeepsAnExplicitBrokerAddress(t *testing.T) {
	s := openStack(t, "embedded")
	pk := s.(stack.PrivateKafka)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k, closeKafka, err := pk.NewKafka(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = closeKafka(context.Background()) })
	view := stack.WithKafka(s, k)
	// The wrong address a spec asks for is kept: misconfiguration scenarios rely on it.
	res, err := view.Services().Run(ctx, stack.ServiceSpec{Name: "consume", Binary: stack.Consume,
		Env: map[string]string{"KAFKA_BROKERS": "127.0.0.1:1"}, Args: []string{"-timeout", "1s", "-connect-timeout", "1s"}})
	require.NoError(t, err)
	require.NotEqual(t, 0, res.ExitCode)
	require.Contains(t, res.Stderr+res.Stdout, "127.0.0.1:1", "the service used the address of its spec")
}

// TestPrivateBrokerPortIsHeldWhileItIsDown guards the port race of the embedded suite: a
// killed private broker's port stays its own until it is restarted, so a scenario starting
// at that moment cannot take it ("bind: address already in use" at the restart).
func TestPrivateBrokerPortIsHeldWhileItIsDown(t *testing.T) {
	s := openStack(t, "embedded")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k, closeKafka, err := s.(stack.PrivateKafka).NewKafka(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = closeKafka(context.Background()) })
	b := k.Brokers()[0]
	upstream := b.Proxy().Upstream()
	require.NoError(t, b.Kill(ctx))
	l, err := net.Listen("tcp", upstream)
	if err == nil {
		l.Close()
	}
	require.ErrorIs(t, err, syscall.EADDRINUSE, "another process could take the killed broker's port %s", upstream)
	require.NoError(t, b.Start(ctx), "the broker restarts on its port")
}
