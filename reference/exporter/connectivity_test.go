package exporter_test

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/exporter"
)

// hangingListener accepts connections and never answers; it counts them.
func hangingListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var n atomic.Int64
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			mu.Lock()
			conns = append(conns, c) // held open, never read or written
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String(), &n
}

// attemptBound is the most connection attempts a run of requesters can make within d
// under p: each requester's k-th retry waits at least Ceiling(k)/2.
//
// Each requester gets one attempt more than its waits allow: franz-go dials once for a new
// request before any retry delay applies.
func attemptBound(p *backoff.Policy, requesters int, d time.Duration) int {
	n, waited := 2, time.Duration(0)
	for k := 1; ; k++ {
		waited += p.Ceiling(k) / 2
		if waited > d {
			break
		}
		n++
	}
	return requesters * n
}

func TestBackoffBoundsConnectionAttempts(t *testing.T) {
	// The production policy (250 ms to 30 s) scaled down 5x, and franz-go's own pacing
	// (metadata min age 5 s, request timeout overhead 10 s) taken out of the way, so the
	// backoff alone limits the attempts within a few seconds.
	const window = 3 * time.Second
	policy := backoff.New(backoff.Min(50*time.Millisecond), backoff.Max(6*time.Second))
	fastKgo := exporter.ClientOpts(kgo.MetadataMinAge(10*time.Millisecond), kgo.RequestTimeoutOverhead(100*time.Millisecond))
	// Before any broker answered, only the consumer's metadata loop dials (the lag loop
	// waits for an answer).
	bound := attemptBound(policy, 1, window)
	hang, accepted := hangingListener(t)
	for _, tc := range []struct {
		name, addr string
		accepted   *atomic.Int64
	}{
		{"refusing port", "127.0.0.1:" + strconv.Itoa(freePort(t)), nil},
		{"accepts and hangs", hang, accepted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, exporter.Brokers(tc.addr), exporter.Backoff(policy), fastKgo)
			time.Sleep(window)                 // the measurement itself: attempts made during a fixed window
			attempts := r.E.Guard().Attempts() // counted when an attempt ends
			t.Logf("%s: %d connection attempts in %s (bound %d)", tc.name, attempts, window, bound)
			require.LessOrEqual(t, attempts, uint64(bound), "no retry storm")
			require.GreaterOrEqual(t, attempts, uint64(3), "it keeps trying")
			if tc.accepted != nil {
				t.Logf("%s: the listener accepted %d connections", tc.name, tc.accepted.Load())
				require.LessOrEqual(t, tc.accepted.Load(), int64(bound), "connections the listener saw")
			}
			require.Equal(t, 0.0, mustMetric(t, r.E.Registry(), exporter.MetricKafkaConnected, nil))
			require.GreaterOrEqual(t, mustMetric(t, r.E.Registry(), exporter.MetricConnectAttempts, nil), float64(attempts),
				"the metric is the hook's count")
			code, body := r.get(t, "/readyz")
			require.Equal(t, 503, code)
			require.Contains(t, body, "kafka has not answered a metadata request yet")
			require.Contains(t, body, tc.addr)
		})
	}
}

func TestReadyzTurnsReadyWhenBrokerAppears(t *testing.T) {
	port := freePort(t)
	fast := backoff.New(backoff.Min(20*time.Millisecond), backoff.Max(200*time.Millisecond))
	r := start(t, exporter.Brokers("127.0.0.1:"+strconv.Itoa(port)), exporter.Backoff(fast),
		exporter.Topics(consumer.DefaultTopic), exporter.ClientOpts(kgo.MetadataMinAge(10*time.Millisecond)))
	eventually(t, 5*time.Second, "a failed connection attempt", func() bool { return r.E.Guard().Failures() > 0 })
	code, body := r.get(t, "/readyz")
	require.Equal(t, 503, code, body)
	code, _ = r.get(t, "/healthz")
	require.Equal(t, 200, code, "alive while not ready")

	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(1, consumer.DefaultTopic))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	eventually(t, 10*time.Second, "/readyz 200", func() bool {
		code, _ := r.get(t, "/readyz")
		return code == 200
	})
	eventually(t, 5*time.Second, "connected gauge 1", func() bool {
		v, _ := metric(t, r.E.Registry(), exporter.MetricKafkaConnected, nil)
		return v == 1
	})
	require.NotEmpty(t, r.Logs.lines("kafka reachable again"))
}

func TestConnectionErrorsLoggedOncePerInterval(t *testing.T) {
	// A policy fast enough to make many attempts within the test.
	fast := backoff.New(backoff.Min(time.Millisecond), backoff.Max(5*time.Millisecond))
	r := start(t, exporter.Brokers("127.0.0.1:"+strconv.Itoa(freePort(t))), exporter.Backoff(fast),
		exporter.ClientOpts(kgo.MetadataMinAge(10*time.Millisecond)))
	eventually(t, 10*time.Second, "20 failed attempts", func() bool { return r.E.Guard().Failures() >= 20 })
	lines := r.Logs.lines("kafka connect failed")
	require.Len(t, lines, 1, "one line per distinct error per minute, whatever the attempts: %v", lines)
	require.Contains(t, lines[0], "connection refused")
}

func TestSuppressedCountReported(t *testing.T) {
	fast := backoff.New(backoff.Min(time.Millisecond), backoff.Max(5*time.Millisecond))
	r := start(t, exporter.Brokers("127.0.0.1:"+strconv.Itoa(freePort(t))), exporter.Backoff(fast),
		exporter.ClientOpts(kgo.MetadataMinAge(10*time.Millisecond)), exporter.DedupInterval(300*time.Millisecond))
	eventually(t, 10*time.Second, "a line with the suppressed count", func() bool {
		return len(r.Logs.lines("kafka connect failed (suppressed ")) > 0
	})
	line := r.Logs.lines("kafka connect failed (suppressed ")[0]
	require.Regexp(t, `suppressed \d+ similar in the last \d+s`, line)
	require.True(t, strings.Contains(line, `"suppressed":`), line)
}
