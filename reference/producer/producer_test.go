package producer

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

func unsetenv(k string) error { return os.Unsetenv(k) }

func nodeStart(node string) *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		Header:    &dspb.Header{ParentId: []byte("parent")},
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: node,
	}}}
}

// newProducer starts a producer on addrs, closed when the test ends.
func newProducer(t *testing.T, addrs []string, opts ...Opt) *Producer {
	t.Helper()
	p, err := New(append([]Opt{Brokers(addrs...)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func decode(t *testing.T, r *kgo.Record) *dspb.DashStreamMessage {
	t.Helper()
	msg, err := wire.NewDecoder().Decode(r.Value)
	require.NoError(t, err)
	return msg
}

func TestSendStampsHeaderAndRecord(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 3, DefaultTopic)
	p := newProducer(t, addrs, Tenant("customer-123"))
	before := time.Now().UnixMicro()
	ack, err := p.Send(testCtx(t), "thread-1", nodeStart("planner"))
	after := time.Now().UnixMicro()
	require.NoError(t, err)
	require.Equal(t, uint64(1), ack.Sequence)

	recs := kfaketest.ReadN(t, addrs, DefaultTopic, 1, 10*time.Second)
	r := recs[0]
	require.Equal(t, "thread-1", string(r.Key))
	require.Equal(t, []kgo.RecordHeader{{Key: TenantHeader, Value: []byte("customer-123")}}, r.Headers)
	require.Equal(t, ack.Partition, r.Partition)
	require.Equal(t, ack.Offset, r.Offset)
	require.Equal(t, DefaultTopic, ack.Topic)

	h := wire.HeaderOf(decode(t, r))
	id, err := uuid.FromBytes(h.MessageId)
	require.NoError(t, err)
	require.Equal(t, uuid.Version(4), id.Version())
	require.Equal(t, ack.MessageID, h.MessageId)
	require.GreaterOrEqual(t, h.TimestampUs, before)
	require.LessOrEqual(t, h.TimestampUs, after)
	require.Equal(t, "customer-123", h.TenantId)
	require.Equal(t, "thread-1", h.ThreadId)
	require.Equal(t, uint64(1), h.Sequence)
	require.Equal(t, dspb.MessageType_MESSAGE_TYPE_EVENT, h.Type)
	require.Equal(t, uint32(wire.SchemaVersion), h.SchemaVersion)
	require.Equal(t, []byte("parent"), h.ParentId, "the caller's parent id is kept")
}

func TestSendFillsMissingHeaderAndTrueType(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 1, DefaultTopic)
	p := newProducer(t, addrs)
	msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Metrics{Metrics: &dspb.Metrics{Scope: "quality"}}}
	_, err := p.Send(testCtx(t), "t", msg)
	require.NoError(t, err)
	bad := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Error{Error: &dspb.Error{
		Header: &dspb.Header{Type: dspb.MessageType_MESSAGE_TYPE_EVENT, Sequence: 77, TenantId: "spoof"}}}}
	_, err = p.Send(testCtx(t), "t", bad)
	require.NoError(t, err)

	recs := kfaketest.ReadN(t, addrs, DefaultTopic, 2, 10*time.Second)
	h := wire.HeaderOf(decode(t, recs[0]))
	require.Equal(t, dspb.MessageType_MESSAGE_TYPE_METRICS, h.Type)
	require.Equal(t, DefaultTenant, h.TenantId)
	h = wire.HeaderOf(decode(t, recs[1]))
	require.Equal(t, dspb.MessageType_MESSAGE_TYPE_ERROR, h.Type, "type comes from the payload")
	require.Equal(t, uint64(2), h.Sequence, "the caller's sequence is overwritten")
	require.Equal(t, DefaultTenant, h.TenantId, "the caller cannot spoof the tenant")
}

func TestSendRefusesBadInput(t *testing.T) {
	p := newProducer(t, []string{"127.0.0.1:1"})
	tests := []struct {
		name   string
		thread string
		msg    *dspb.DashStreamMessage
		want   error
	}{
		{"empty thread", "", nodeStart("n"), ErrEmptyThread},
		{"no payload", "t", &dspb.DashStreamMessage{}, ErrNoPayload},
		{"nil message", "t", nil, ErrNoPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Send(testCtx(t), tc.thread, tc.msg)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestCompressThreshold(t *testing.T) {
	big := func() *dspb.DashStreamMessage { return nodeStart(strings.Repeat("node-", 400)) }
	tests := []struct {
		name    string
		opts    []Opt
		framing byte
	}{
		{"default threshold compresses a large message", nil, wire.FramingZstd},
		{"negative threshold disables compression", []Opt{CompressThreshold(-1)}, wire.FramingPlain},
		{"raised threshold keeps it plain", []Opt{CompressThreshold(1 << 20)}, wire.FramingPlain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, addrs := kfaketest.Cluster(t, 1, DefaultTopic)
			p := newProducer(t, addrs, tc.opts...)
			_, err := p.Send(testCtx(t), "t", big())
			require.NoError(t, err)
			r := kfaketest.ReadN(t, addrs, DefaultTopic, 1, 10*time.Second)[0]
			require.Equal(t, tc.framing, r.Value[0])
		})
	}
}

// TestConcurrentSendsAreSequenced sends from 50 goroutines at once and reads Kafka back:
// every thread's records, in Kafka order, carry exactly 1..n.
func TestConcurrentSendsAreSequenced(t *testing.T) {
	const goroutines, perGoroutine = 50, 20
	tests := []struct {
		name    string
		threads int
	}{
		{"one thread", 1},
		{"several threads", 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, addrs := kfaketest.Cluster(t, 3, DefaultTopic)
			p := newProducer(t, addrs, Topic(DefaultTopic))
			ctx := testCtx(t)
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				acks = map[string]map[uint64]int64{} // thread -> seq -> offset
				errs []error
			)
			record := func(a Ack, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				if acks[a.Thread] == nil {
					acks[a.Thread] = map[uint64]int64{}
				}
				if _, dup := acks[a.Thread][a.Sequence]; dup { // no require off the test goroutine
					errs = append(errs, fmt.Errorf("sequence %d of %s acknowledged twice", a.Sequence, a.Thread))
				}
				acks[a.Thread][a.Sequence] = a.Offset
			}
			for g := range goroutines {
				wg.Go(func() {
					thread := "thread-" + string(rune('a'+g%tc.threads))
					for i := range perGoroutine {
						if i%2 == 0 { // mix the synchronous and the asynchronous path
							record(p.Send(ctx, thread, nodeStart("n")))
						} else {
							p.SendAsync(ctx, thread, nodeStart("n"), record)
						}
					}
				})
			}
			wg.Wait()
			require.NoError(t, p.Flush(ctx))
			mu.Lock()
			require.Empty(t, errs)
			mu.Unlock()

			total := goroutines * perGoroutine
			perThread := map[string][]uint64{}
			for _, r := range kfaketest.ReadN(t, addrs, DefaultTopic, total, 10*time.Second) {
				h := wire.HeaderOf(decode(t, r))
				require.Equal(t, string(r.Key), h.ThreadId)
				require.Equal(t, acks[h.ThreadId][h.Sequence], r.Offset, "ack offset of %s/%d", h.ThreadId, h.Sequence)
				perThread[h.ThreadId] = append(perThread[h.ThreadId], h.Sequence)
			}
			require.Len(t, perThread, tc.threads)
			sum := 0
			for thread, seqs := range perThread {
				for i, s := range seqs {
					require.Equal(t, uint64(i+1), s, "thread %s: Kafka position %d holds sequence %d", thread, i, s)
				}
				sum += len(seqs)
			}
			require.Equal(t, total, sum)
		})
	}
}

func TestPingUnreachable(t *testing.T) {
	p := newProducer(t, []string{"127.0.0.1:1"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	require.Error(t, p.Ping(ctx))
	require.Less(t, time.Since(start), 5*time.Second, "a refused port fails fast")
}
