package chaos_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/netfault"
	"github.com/dashstream/acceptance/system/stack"
)

// TestBrokerOutages injects every broker outage, checks that a produce is not delivered
// while it lasts, undoes it and checks that the held record and a new one are.
func TestBrokerOutages(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			k := s.Kafka()
			b := k.Brokers()[0]
			topic := uniqueTopic(t, "chaos-outage")
			createTopic(t, k, topic, 1)
			cl := client(t, k)
			produceN(t, cl, recordOf(topic, "before"))
			for _, f := range chaos.BrokerOutages(b) {
				t.Run(f.Name(), func(t *testing.T) {
					require.Empty(t, stack.Missing(s, f.Needs()...))
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					tl := &timeline{}
					start := time.Now()
					h, err := f.Inject(ctx, tl)
					require.NoError(t, err)
					chaos.UndoOnCleanup(t, h)
					injected := time.Since(start)

					held := produceAsync(cl, recordOf(topic, "during "+f.Name()))
					requireNotDelivered(t, held, 2*time.Second)

					start = time.Now()
					require.NoError(t, h.Undo(ctx))
					undone := time.Since(start)
					start = time.Now()
					requireAcked(t, held, 30*time.Second)
					heldAcked := time.Since(start)
					requireAcked(t, produceAsync(cl, recordOf(topic, "after "+f.Name())), 30*time.Second)
					t.Logf("%s on %s: inject %s, undo %s, held record acknowledged %s after undo",
						f.Name(), name, injected.Round(time.Millisecond), undone.Round(time.Millisecond), heldAcked.Round(time.Millisecond))

					require.NoError(t, h.Undo(ctx), "a second Undo is a no-op")
					tl.requireOneSpan(t, f.Name())
				})
			}
		})
	}
}

func TestByName(t *testing.T) {
	b := openStack(t, "embedded").Kafka().Brokers()[0]
	require.Equal(t, []string{"kill", "stop", "pause", "network-cut", "network-blackhole", "network-latency", "network-reset"},
		chaos.OutageNames())
	outages := chaos.BrokerOutages(b)
	require.Len(t, outages, len(chaos.OutageNames()))
	for i, short := range chaos.OutageNames() {
		f, err := chaos.ByName(short, b)
		require.NoError(t, err)
		require.Equal(t, outages[i].Name(), f.Name())
		long, err := chaos.ByName(f.Name(), b)
		require.NoError(t, err)
		require.Equal(t, f.Name(), long.Name())
	}
	_, err := chaos.ByName("meteor", b)
	require.ErrorContains(t, err, "kill, stop, pause, network-cut, network-blackhole, network-latency, network-reset")
}

// noProxy is a broker without an advertised proxy.
type noProxy struct{ stack.Broker }

func (noProxy) Proxy() *netfault.Proxy { return nil }

func TestNetworkFaultWithoutProxyInjectsNothing(t *testing.T) {
	b := noProxy{openStack(t, "embedded").Kafka().Brokers()[0]}
	tl := &timeline{}
	h, err := chaos.NetworkCut(b).Inject(context.Background(), tl)
	require.ErrorIs(t, err, stack.ErrUnsupported)
	require.Nil(t, h)
	require.Len(t, tl.starts, 1)
	require.Len(t, tl.ends, 1)
	require.Contains(t, tl.ends[0], "inject failed")
}
