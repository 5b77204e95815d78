package containers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/stack"
)

// fastClient returns a client of the stack that retries quickly, closed with the test.
func fastClient(t *testing.T, st *Stack, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := st.Kafka().Client(append([]kgo.Opt{
		kgo.RetryBackoffFn(func(int) time.Duration { return 200 * time.Millisecond }),
		kgo.AllowAutoTopicCreation(),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// notAcked produces one record with a client of its own and asserts that it is not
// acknowledged within d. franz-go does not fail a buffered record on ctx cancellation
// while its broker is unreachable, so the probe client is abandoned, closed in the
// background when the test ends.
func notAcked(t *testing.T, st *Stack, topic string, d time.Duration) {
	t.Helper()
	probe, err := st.Kafka().Client(kgo.AllowAutoTopicCreation())
	require.NoError(t, err)
	t.Cleanup(func() { go probe.Close() })
	done := make(chan error, 1)
	probe.Produce(context.Background(), &kgo.Record{Topic: topic, Value: []byte("probe")}, func(_ *kgo.Record, err error) { done <- err })
	select {
	case err := <-done:
		require.Error(t, err, "the broker acknowledged a record during the fault")
	case <-time.After(d):
	}
}

// produce sends n records to topic, synchronously, and returns their values.
func produce(ctx context.Context, t *testing.T, cl *kgo.Client, topic, prefix string, n int) []string {
	t.Helper()
	var values []string
	for i := range n {
		v := fmt.Sprintf("%s-%d", prefix, i)
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr())
		values = append(values, v)
	}
	return values
}

// consumeAll reads topic from the start until it has want records or ctx ends.
func consumeAll(ctx context.Context, t *testing.T, st *Stack, topic string, want int) []string {
	t.Helper()
	cl := fastClient(t, st, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var got []string
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

func TestProduceConsumeThroughAdvertisedProxy(t *testing.T) {
	st := startStack(t)
	ctx := testCtx(t, time.Minute)
	b := st.Kafka().Brokers()[0]
	require.Equal(t, b.Proxy().Addr(), b.Addr(), "clients reach the broker through the proxy")
	require.Equal(t, []string{b.Addr()}, st.Kafka().Bootstrap())
	sent := produce(ctx, t, fastClient(t, st), "roundtrip", "r", 20)
	require.Equal(t, sent, consumeAll(ctx, t, st, "roundtrip", len(sent)))
	require.Contains(t, st.Versions()["kafka"], "Apache Kafka")
	require.Contains(t, b.Log(200), "Kafka Server started")
}

func TestKillAndStartKeepAddressAndAckedData(t *testing.T) {
	st := startStack(t)
	ctx := testCtx(t, 3*time.Minute)
	b := st.Kafka().Brokers()[0]
	addr := b.Addr()
	cl := fastClient(t, st) // created before the outage, used after it
	before := produce(ctx, t, cl, "outage", "before", 10)

	require.NoError(t, b.Kill(ctx))
	notAcked(t, st, "outage", 3*time.Second)

	start := time.Now()
	require.NoError(t, b.Start(ctx))
	t.Logf("broker ready %s after docker start following docker kill", time.Since(start).Round(time.Millisecond))
	require.Equal(t, addr, b.Addr(), "a restarted broker comes back at the same address")

	after := produce(ctx, t, cl, "outage", "after", 10)
	got := consumeAll(ctx, t, st, "outage", len(before)+len(after))
	for _, v := range append(before, after...) {
		require.Contains(t, got, v, "acknowledged record lost")
	}
}

func TestStopAndStart(t *testing.T) {
	st := startStack(t)
	ctx := testCtx(t, 3*time.Minute)
	b := st.Kafka().Brokers()[0]
	cl := fastClient(t, st)
	before := produce(ctx, t, cl, "graceful", "g", 5)
	start := time.Now()
	require.NoError(t, b.Stop(ctx))
	t.Logf("docker stop took %s", time.Since(start).Round(time.Millisecond))
	require.NoError(t, b.Start(ctx))
	require.Equal(t, before, consumeAll(ctx, t, st, "graceful", len(before)))
}

func TestPauseHangsAndResumeDelivers(t *testing.T) {
	st := startStack(t)
	ctx := testCtx(t, 2*time.Minute)
	b := st.Kafka().Brokers()[0]
	cl := fastClient(t, st)
	produce(ctx, t, cl, "pause", "warm", 1)

	require.NoError(t, b.Pause(ctx))
	done := make(chan error, 1)
	cl.Produce(ctx, &kgo.Record{Topic: "pause", Value: []byte("while-paused")}, func(_ *kgo.Record, err error) { done <- err })
	select {
	case err := <-done:
		t.Fatalf("a paused broker acknowledged a record (err=%v)", err)
	case <-time.After(3 * time.Second):
	}
	require.NoError(t, b.Resume(ctx))
	require.NoError(t, b.Resume(ctx), "Resume twice is a no-op")
	select {
	case err := <-done:
		require.NoError(t, err, "the record is delivered once the broker is resumed")
	case <-ctx.Done():
		t.Fatal("record not delivered after resume")
	}
}

func TestNetworkCutThroughProxy(t *testing.T) {
	st := startStack(t)
	ctx := testCtx(t, 2*time.Minute)
	p := st.Kafka().Brokers()[0].Proxy()
	require.NotNil(t, p)
	cl := fastClient(t, st)
	produce(ctx, t, cl, "cut", "warm", 1)
	require.NoError(t, p.Cut())
	notAcked(t, st, "cut", 3*time.Second)
	require.NoError(t, p.Heal())
	produce(ctx, t, cl, "cut", "healed", 1)
}

func TestExporterContainerScrapedFromHost(t *testing.T) {
	st := startStack(t, Exporter, Produce)
	ctx := testCtx(t, 2*time.Minute)
	svc, err := st.Services().Start(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR"})
	require.NoError(t, err)
	require.Equal(t, "exporter:8080", svc.ScrapeAddr())
	require.True(t, svc.Running())

	res, err := st.Services().Run(ctx, stack.ServiceSpec{Name: "load", Binary: stack.Produce,
		Env: map[string]string{"TENANT_ID": "acme"}, Args: []string{"-messages", "5", "-threads", "1"}})
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "stdout %s\nstderr %s", res.Stdout, res.Stderr)
	require.Contains(t, res.Stdout, "{", "the produce summary is a JSON line")

	var body string
	require.NoError(t, poll(ctx, time.Minute, 250*time.Millisecond, func(ctx context.Context) (bool, string) {
		body, err = get(ctx, "http://"+svc.Addr()+"/metrics")
		if err != nil {
			return false, err.Error()
		}
		return strings.Contains(body, "dashstream_messages_received_total"), "no received counter yet"
	}), "exporter log:\n%s", svc.Log(30))

	addr := svc.Addr()
	require.NoError(t, svc.Pause(ctx))
	require.NoError(t, svc.Resume(ctx))
	svc.SetEnv("LAG_INTERVAL", "1s")
	require.NoError(t, svc.Restart(ctx))
	require.Equal(t, addr, svc.Addr(), "a restarted service keeps its host port")
	require.NoError(t, poll(ctx, time.Minute, 250*time.Millisecond, func(ctx context.Context) (bool, string) {
		_, err := get(ctx, "http://"+svc.Addr()+"/healthz")
		return err == nil, fmt.Sprint(err)
	}))
	require.NoError(t, svc.Stop(ctx))
	require.False(t, svc.Running())
	require.NoError(t, svc.Stop(ctx), "Stop twice")
	require.NoError(t, svc.Kill(ctx), "Kill after Stop")
}

func get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("%s: %s", url, resp.Status)
	}
	return string(b), err
}

func TestCloseRemovesEverythingOfTheRun(t *testing.T) {
	requireDocker(t)
	ctx := testCtx(t, 3*time.Minute)
	var log syncBuffer
	st, err := Start(ctx, LogTo(&log))
	require.NoError(t, err)
	require.Contains(t, log.String(), "kafka-0 | ", "LogTo receives the broker's output, prefixed")
	require.Equal(t, counts{containers: 1, networks: 1, volumes: 1}, countByLabel(t, LabelRun, st.RunID()),
		"the kafka container, its data volume and the stack's network")
	require.NoError(t, st.Close(ctx))
	require.NoError(t, st.Close(ctx), "Close twice")
	require.Equal(t, counts{}, countByLabel(t, LabelRun, st.RunID()), "left after Close")
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLinePrefixerWritesWholeLines(t *testing.T) {
	var out bytes.Buffer
	l := &linePrefixer{w: &out, prefix: []byte("k | ")}
	for _, chunk := range []string{"one\ntw", "o\n", "three"} {
		n, err := l.Write([]byte(chunk))
		require.NoError(t, err)
		require.Equal(t, len(chunk), n)
	}
	require.Equal(t, "k | one\nk | two\n", out.String(), "a partial line waits for its end")
}

func TestRedisForAnImplementationThatNeedsIt(t *testing.T) {
	st := startStack(t, Redis)
	ctx := testCtx(t, 2*time.Minute)
	rs, ok := st.Services().(stack.RedisStarter)
	require.True(t, ok, "the containers stack starts Redis itself")
	before := countByLabel(t, LabelRun, st.RunID()).containers
	url, stop, err := rs.StartRedis(ctx, "redis-scenario")
	require.NoError(t, err, "started and answered PING at its published port")
	require.Equal(t, "redis://redis-scenario:6379", url, "reached by its alias on the stack's network")
	require.Equal(t, before+1, countByLabel(t, LabelRun, st.RunID()).containers)
	url2, stop2, err := rs.StartRedis(ctx, "redis-scenario")
	require.NoError(t, err)
	require.NotEqual(t, url, url2, "a second Redis of the same name gets an alias of its own")
	require.NoError(t, stop(ctx))
	require.Equal(t, before+1, countByLabel(t, LabelRun, st.RunID()).containers, "stop removes its container only")
	require.NoError(t, stop2(ctx))
	require.Equal(t, before, countByLabel(t, LabelRun, st.RunID()).containers)
}
