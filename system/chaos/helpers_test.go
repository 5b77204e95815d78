package chaos_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/stack"
)

// stacks lists the stacks the Kafka tests run on: local (real Kafka) only without -short.
func stacks() []string {
	if testing.Short() {
		return []string{"embedded"}
	}
	return []string{"embedded", "local"}
}

// shared holds the stacks the tests share, one per name, opened on first use and closed
// by TestMain. Tests keep out of each other's way with their own topics.
var shared = struct {
	sync.Mutex
	m map[string]stack.Stack
}{m: map[string]stack.Stack{}}

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Lock()
	for _, s := range shared.m {
		_ = s.Close(context.Background())
	}
	shared.Unlock()
	os.Exit(code)
}

func openStack(t *testing.T, name string) stack.Stack {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if s, ok := shared.m[name]; ok {
		return s
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := stack.Open(ctx, name)
	require.NoError(t, err)
	shared.m[name] = s
	return s
}

// client returns a franz-go client with short timeouts, so a request lost in a fault is
// retried within seconds of the fault's end.
func client(t *testing.T, k stack.Kafka, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := k.Client(append([]kgo.Opt{
		kgo.RetryBackoffFn(func(int) time.Duration { return 100 * time.Millisecond }),
		kgo.MetadataMinAge(100 * time.Millisecond),
		kgo.RequestTimeoutOverhead(2 * time.Second),
		kgo.ProduceRequestTimeout(3 * time.Second),
		kgo.DialTimeout(2 * time.Second),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

func createTopic(t *testing.T, k stack.Kafka, topic string, partitions int32) {
	t.Helper()
	adm, err := k.Admin()
	require.NoError(t, err)
	defer adm.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, int16(len(k.Brokers())), nil, topic)
	require.NoError(t, err)
	require.NoError(t, resp.Err)
}

// delivery is the outcome of an asynchronous produce.
type delivery struct {
	rec *kgo.Record
	err error
}

// produceAsync produces one record and returns the channel its outcome arrives on. It
// never blocks: ProduceSync can hang for minutes against a paused broker.
func produceAsync(cl *kgo.Client, r *kgo.Record) <-chan delivery {
	out := make(chan delivery, 1)
	cl.Produce(context.Background(), r, func(r *kgo.Record, err error) { out <- delivery{r, err} })
	return out
}

func requireNotDelivered(t *testing.T, ch <-chan delivery, within time.Duration) {
	t.Helper()
	select {
	case d := <-ch:
		require.Error(t, d.err, "a record was acknowledged during the fault (offset %d)", d.rec.Offset)
		t.Logf("produce during the fault failed: %v", d.err)
	case <-time.After(within):
	}
}

func requireAcked(t *testing.T, ch <-chan delivery, within time.Duration) *kgo.Record {
	t.Helper()
	select {
	case d := <-ch:
		require.NoError(t, d.err)
		return d.rec
	case <-time.After(within):
		require.FailNow(t, "not acknowledged", "no acknowledgement within %s", within)
		return nil
	}
}

// produceN produces n records and waits for all of them.
func produceN(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())
}

// consumeAll reads topic from the start until it read want records, within 30 s.
func consumeAll(t *testing.T, k stack.Kafka, topic string, want int) []*kgo.Record {
	t.Helper()
	cl := client(t, k, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "consumed %d of %d records of %s", len(out), want, topic)
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	require.Len(t, out, want)
	return out
}

// timeline is a Timeline that records every call.
type timeline struct {
	mu     sync.Mutex
	starts []string // name|detail
	ends   []string // span|detail
}

func (tl *timeline) FaultStart(name, detail string) string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.starts = append(tl.starts, name+"|"+detail)
	return "f" + strconv.Itoa(len(tl.starts))
}

func (tl *timeline) FaultEnd(span, detail string) bool {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.ends = append(tl.ends, span+"|"+detail)
	return true
}

// requireOneSpan checks the timeline holds exactly one fault, named name, started and ended.
func (tl *timeline) requireOneSpan(t *testing.T, name string) {
	t.Helper()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	require.Len(t, tl.starts, 1, "fault starts")
	require.Len(t, tl.ends, 1, "fault ends")
	require.Regexp(t, "^"+name+`\|.+`, tl.starts[0])
	require.Regexp(t, `^f1\|.+`, tl.ends[0])
}

func recordOf(topic, value string) *kgo.Record {
	return &kgo.Record{Topic: topic, Value: []byte(value)}
}

func uniqueTopic(t *testing.T, prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}
