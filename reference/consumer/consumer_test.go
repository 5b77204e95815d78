package consumer_test

import (
	"context"
	"net"
	"os"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/consumertest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/sequence"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

const topic = consumer.DefaultTopic

func event() *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "n"}}}
}

// send writes n messages on each thread with a fresh producer of tenant.
func send(t *testing.T, addrs []string, tenant string, n int, threads ...string) {
	t.Helper()
	p, err := producer.New(producer.Brokers(addrs...), producer.Tenant(tenant))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range n {
		for _, th := range threads {
			p.SendAsync(ctx, th, event(), func(_ producer.Ack, err error) {
				if err != nil {
					t.Errorf("send: %v", err)
				}
			})
		}
	}
	require.NoError(t, p.Flush(ctx))
}

// TestDocListsEveryMetric keeps the package doc, the contract, in step with the code.
func TestDocListsEveryMetric(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	documented := regexp.MustCompile(`dashstream_[a-z_]+`).FindAllString(string(doc), -1)
	slices.Sort(documented)
	documented = slices.Compact(documented)

	reg := prometheus.NewRegistry()
	c, err := consumer.New(consumer.Registerer(reg), consumer.Brokers("127.0.0.1:1"))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	families, err := reg.Gather()
	require.NoError(t, err)
	var registered []string
	for _, f := range families {
		registered = append(registered, f.GetName())
	}
	slices.Sort(registered)
	require.Equal(t, documented, registered)
	for _, name := range []string{"dashstream_messages_received_total", "dashstream_decode_failures_total",
		"dashstream_sequence_gaps_total", "dashstream_sequence_duplicates_total", "dashstream_sequence_reorders_total",
		"dashstream_sequence_gap_size", "dashstream_dlq_records_total"} {
		require.Contains(t, registered, name, "agreed in contracts")
	}
}

func TestConsumesValidRecords(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 3, topic)
	send(t, addrs, "acme", 10, "t1", "t2")
	run := consumertest.Start(t, addrs)
	stats := run.WaitReceived(t, 20, 10*time.Second)
	require.Equal(t, consumer.Stats{Received: 20, DecodeFailures: map[string]uint64{
		"framing": 0, "decompress": 0, "too_large": 0, "protobuf": 0}}, stats)

	perThread := map[string][]sequence.Verdict{}
	for _, r := range run.Records() {
		require.Equal(t, "acme", r.Header.TenantId)
		require.Equal(t, topic, r.Topic)
		require.False(t, r.Timestamp.IsZero())
		require.False(t, r.ReceivedAt.Before(r.Timestamp.Add(-time.Second)))
		require.Equal(t, uint64(len(perThread[r.Header.ThreadId])+1), r.Header.Sequence, "partition order")
		perThread[r.Header.ThreadId] = append(perThread[r.Header.ThreadId], r.Result.Verdict)
	}
	want := append([]sequence.Verdict{sequence.First}, slices.Repeat([]sequence.Verdict{sequence.OK}, 9)...)
	require.Equal(t, map[string][]sequence.Verdict{"t1": want, "t2": want}, perThread)
	require.Equal(t, 20.0, run.Metric(t, consumer.MetricReceived, nil))
	require.Equal(t, 0.0, run.Metric(t, consumer.MetricGaps, nil))
	require.Equal(t, 0.0, run.Metric(t, consumer.MetricDecodeFailures, map[string]string{"reason": "framing"}))
}

func TestRegistererIsExclusiveUntilClose(t *testing.T) {
	reg := prometheus.NewRegistry()
	first, err := consumer.New(consumer.Registerer(reg), consumer.Brokers("127.0.0.1:1"))
	require.NoError(t, err)
	_, err = consumer.New(consumer.Registerer(reg), consumer.Brokers("127.0.0.1:1"))
	require.ErrorContains(t, err, "another Consumer uses this Registerer")
	first.Close()
	first.Close() // safe twice
	again, err := consumer.New(consumer.Registerer(reg), consumer.Brokers("127.0.0.1:1"))
	require.NoError(t, err, "Close unregisters the metrics")
	again.Close()
}

func TestRunOnceAndCloseEndsRun(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, topic)
	c, err := consumer.New(consumer.Brokers(addrs...))
	require.NoError(t, err)
	done := make(chan error, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { done <- c.Run(ctx) }()
	go func() { done <- c.Run(ctx) }()
	select {
	case err := <-done:
		require.ErrorIs(t, err, consumer.ErrRunning, "the second Run returns at once")
	case <-ctx.Done():
		t.Fatal("neither Run returned")
	}
	c.Close()
	select {
	case err := <-done:
		require.NoError(t, err, "Close ends Run without an error")
	case <-ctx.Done():
		t.Fatal("Run did not return after Close")
	}
}

// TestStatsWhileRunning reads Stats concurrently with the poll loop (run with -race).
func TestStatsWhileRunning(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 3, topic)
	run := consumertest.Start(t, addrs)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s := run.C.Stats()
				s.DecodeFailures["framing"]++ // a copy: must not touch the consumer's map
			}
		}
	})
	send(t, addrs, "acme", 50, "a", "b", "c")
	run.WaitReceived(t, 150, 10*time.Second)
	close(stop)
	wg.Wait()
	require.Zero(t, run.C.Stats().DecodeFailures["framing"])
}

func TestGroupCommitsHandledOffsets(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, topic)
	send(t, addrs, "acme", 10, "t")
	t.Run("first member", func(t *testing.T) {
		run := consumertest.Start(t, addrs, consumer.Group("g1"))
		run.WaitReceived(t, 10, 10*time.Second)
	}) // cleanup ends Run, which commits
	adm := kadm.NewClient(kfaketest.Client(t, addrs))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offsets, err := adm.FetchOffsets(ctx, "g1")
	require.NoError(t, err)
	o, ok := offsets.Lookup(topic, 0)
	require.True(t, ok)
	require.Equal(t, int64(10), o.At)

	send(t, addrs, "acme", 5, "t2")
	run := consumertest.Start(t, addrs, consumer.Group("g1"))
	run.WaitReceived(t, 5, 10*time.Second)
	for _, r := range run.Records() {
		require.Equal(t, "t2", r.Header.ThreadId, "committed records are not read again")
	}
}

func TestClientOptsApply(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, topic)
	hook := &connectHook{}
	send(t, addrs, "acme", 1, "t")
	run := consumertest.Start(t, addrs, consumer.ClientOpts(kgo.WithHooks(hook)))
	run.WaitReceived(t, 1, 10*time.Second)
	hook.mu.Lock()
	defer hook.mu.Unlock()
	require.Positive(t, hook.n)
}

type connectHook struct {
	mu sync.Mutex
	n  int
}

func (h *connectHook) OnBrokerConnect(kgo.BrokerMetadata, time.Duration, net.Conn, error) {
	h.mu.Lock()
	h.n++
	h.mu.Unlock()
}
