package wsserver

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// silentBroker returns the address of a listener that accepts connections and never
// answers, so the server's own Kafka client reports no outcome while a test feeds the
// hooks by hand (a refusing address raced the test with real failures).
func silentBroker(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

func TestOneFailurePerConnectionAttempt(t *testing.T) {
	s, err := New(Brokers(silentBroker(t)), CircuitBreaker(BreakerConfig{FailureThreshold: 2}))
	require.NoError(t, err)
	t.Cleanup(s.Close)
	o, meta := outcomes{s}, kgo.BrokerMetadata{Host: "127.0.0.1", Port: 1}
	// franz-go reports a failed ApiVersions of a new connection to the read hook, then
	// the same attempt to the connect hook: one failure.
	o.OnBrokerRead(meta, kmsg.ApiVersions.Int16(), 0, 0, 0, io.EOF)
	o.OnBrokerConnect(meta, time.Millisecond, nil, errors.New("broker closed the connection"))
	h := s.Health()
	require.Equal(t, uint64(1), h.Metrics.KafkaErrors)
	require.Equal(t, "closed", h.CircuitBreaker.State)
	require.Equal(t, 1, h.CircuitBreaker.ConsecutiveFailures)
	o.OnBrokerRead(meta, kmsg.Fetch.Int16(), 0, 0, 0, io.ErrUnexpectedEOF) // a request on a live connection
	require.Equal(t, "open", s.Health().CircuitBreaker.State)
}

func TestHalfOpenCountsOnlyProbes(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	s, err := New(Brokers(silentBroker(t)), Clock(clock), CircuitBreaker(BreakerConfig{FailureThreshold: 1, OpenFor: time.Second, CloseAfter: 2}))
	require.NoError(t, err)
	t.Cleanup(s.Close)
	s.outcome(io.EOF)
	require.Equal(t, Open, s.breakerState())
	now = now.Add(time.Second)
	require.Equal(t, HalfOpen, s.breakerState())
	for range 5 {
		s.outcome(nil) // the consumer's own traffic
	}
	require.Equal(t, HalfOpen, s.breakerState(), "other successes are not probes")
	s.record(true, true)
	require.Equal(t, HalfOpen, s.breakerState())
	s.record(true, true)
	require.Equal(t, Closed, s.breakerState(), "CloseAfter probes close it")
}
