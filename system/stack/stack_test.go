package stack_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
)

func openStack(t *testing.T, name string, opts ...stack.Option) stack.Stack {
	t.Helper()
	if name == "local" && testing.Short() {
		t.Skip("the local stack starts real Kafka: skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := stack.Open(ctx, name, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func client(t *testing.T, s stack.Stack, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := s.Kafka().Client(append([]kgo.Opt{
		kgo.RetryBackoffFn(func(int) time.Duration { return 100 * time.Millisecond }),
		kgo.MetadataMinAge(100 * time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

func createTopic(t *testing.T, s stack.Stack, topic string) {
	t.Helper()
	adm, err := s.Kafka().Admin()
	require.NoError(t, err)
	defer adm.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, 1, int16(len(s.Kafka().Brokers())), nil, topic)
	require.NoError(t, err)
	require.NoError(t, resp.Err)
}

func produce(t *testing.T, cl *kgo.Client, topic string, n int, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for i := range n {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "%d", i)}).FirstErr())
	}
}

func consume(t *testing.T, s stack.Stack, topic string, want int) {
	t.Helper()
	cl := client(t, s, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := 0
	for got < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "consumed %d of %d", got, want)
		got += fs.NumRecords()
	}
	require.Equal(t, want, got)
}

func TestStacks(t *testing.T) {
	for _, name := range []string{"embedded", "local"} {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			require.Equal(t, name, s.Name())
			require.Empty(t, stack.Missing(s, stack.KillBroker, stack.NetworkFaults, stack.Monitoring))
			require.Contains(t, stack.Missing(s, stack.MultiBroker), "cannot multi-broker")
			require.NotEmpty(t, s.Versions()["kafka"])
			b := s.Kafka().Brokers()[0]
			require.NotNil(t, b.Proxy())
			require.Equal(t, b.Proxy().Addr(), b.Addr(), "clients must reach the broker through its proxy")

			createTopic(t, s, "stack-test")
			cl := client(t, s)
			produce(t, cl, "stack-test", 10, 30*time.Second)

			t.Run("kill and restart keeps data", func(t *testing.T) {
				ctx := context.Background()
				require.NoError(t, b.Kill(ctx))
				require.False(t, handedOutToAnyPort(t, port(t, b.Proxy().Upstream())),
					"a listener on port 0 could get the killed broker's port %s", b.Proxy().Upstream())
				require.NoError(t, b.Start(ctx))
				produce(t, cl, "stack-test", 5, 60*time.Second)
				consume(t, s, "stack-test", 15)
			})
			t.Run("network cut and heal", func(t *testing.T) {
				require.NoError(t, b.Proxy().Cut())
				require.False(t, handedOutToAnyPort(t, port(t, b.Proxy().Addr())),
					"a listener on port 0 could get the cut proxy's port %s", b.Proxy().Addr())
				acked := make(chan error, 1)
				cl.Produce(context.Background(), &kgo.Record{Topic: "stack-test", Value: []byte("cut")},
					func(_ *kgo.Record, err error) { acked <- err })
				select {
				case err := <-acked:
					require.Error(t, err, "a produce through a cut proxy must not succeed")
				case <-time.After(2 * time.Second): // still pending: the cut holds
				}
				require.NoError(t, b.Proxy().Heal())
				produce(t, cl, "stack-test", 1, 60*time.Second)
			})
		})
	}
}

func TestServicesRunAsIsolatedProcesses(t *testing.T) {
	s := openStack(t, "embedded")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Setenv("TENANT_ID", "leaked-from-the-harness")
	res, err := s.Services().Run(ctx, stack.ServiceSpec{Name: "produce", Binary: stack.Produce,
		Env: map[string]string{"TENANT_ID": "bad/tenant"}, Args: []string{"-messages", "1"}})
	require.NoError(t, err)
	require.Equal(t, 2, res.ExitCode, "an invalid tenant is a usage error: %s", res.Stderr)
	require.Contains(t, res.Stderr, "tenant")
}

func TestCloseLeavesNoProcess(t *testing.T) {
	before := len(proc.Live())
	s, err := stack.Open(context.Background(), "embedded")
	require.NoError(t, err)
	require.Greater(t, len(proc.Live()), before)
	require.NoError(t, s.Close(context.Background()))
	require.NoError(t, s.Close(context.Background()), "Close is safe twice")
	require.Len(t, proc.Live(), before)
}

func TestOpenUnknownStack(t *testing.T) {
	_, err := stack.Open(context.Background(), "kubernetes")
	require.ErrorContains(t, err, `unknown stack "kubernetes"`)
	require.ErrorContains(t, err, "embedded")
}

func TestExternalNeedsBrokers(t *testing.T) {
	t.Setenv(stack.EnvKafkaBrokers, "")
	_, err := stack.Open(context.Background(), "external")
	require.ErrorContains(t, err, "KAFKA_BROKERS")
}
