package containers

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/stack"
)

func TestContainerBrokersKeepsWhatNeedsNoTranslation(t *testing.T) {
	s := &Stack{}
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"kafka.invalid:9092", "kafka.invalid:9092"},
		{"127.0.0.1:1", "127.0.0.1:1"}, // nothing listens: refused in the container too
		{"10.1.2.3:9092, 10.1.2.3:9092", "10.1.2.3:9092"},
	} {
		got, err := s.containerBrokers(t.Context(), tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{{"127.0.0.1:9", true}, {"localhost:9", true}, {"[::1]:9", true}, {"kafka:9", false}, {"10.0.0.1:9", false}, {"x", false}} {
		require.Equal(t, tc.want, isLoopback(tc.in), tc.in)
	}
}

// TestServiceBrokersFromTheHostsView: a service given a loopback address of the harness
// reaches the same server through a forwarder, and given the stack's Bootstrap it reaches
// Kafka.
func TestServiceBrokersFromTheHostsView(t *testing.T) {
	st := startStack(t, Exporter)
	ctx := testCtx(t, 2*time.Minute)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int64
	go func() { // accepts and never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	svc, err := st.Services().Start(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR",
		Env: map[string]string{"KAFKA_BROKERS": ln.Addr().String()}})
	require.NoError(t, err)
	require.NoError(t, poll(ctx, time.Minute, 200*time.Millisecond, func(context.Context) (bool, string) {
		return conns.Load() > 0, "no connection from the service yet"
	}), "exporter log:\n%s", svc.Log(20))

	svc.SetEnv("KAFKA_BROKERS", strings.Join(st.Kafka().Bootstrap(), ","))
	require.NoError(t, svc.Restart(ctx))
	require.NoError(t, poll(ctx, time.Minute, 250*time.Millisecond, func(ctx context.Context) (bool, string) {
		body, err := get(ctx, "http://"+svc.Addr()+"/readyz")
		return err == nil, fmt.Sprintf("/readyz: %v %s", err, body)
	}), "exporter log:\n%s", svc.Log(20))
}
