package chaos_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/system/chaos"
)

func TestUnresolvableAddrSendsNoDNSQuery(t *testing.T) {
	host, port, err := net.SplitHostPort(chaos.UnresolvableAddr())
	require.NoError(t, err)
	require.Equal(t, "9092", port)

	var dialed atomic.Int32
	r := &net.Resolver{PreferGo: true, StrictErrors: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		dialed.Add(1)
		return nil, errors.New("a DNS query would have been sent")
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = r.LookupHost(ctx, host)
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr)
	require.True(t, dnsErr.IsNotFound, "%v", err)
	require.Zero(t, dialed.Load(), "the Go resolver must reject the name without contacting a DNS server")

	start := time.Now()
	_, err = net.DefaultResolver.LookupHost(ctx, host)
	require.Error(t, err)
	require.Less(t, time.Since(start), time.Second, "the system resolver rejects the name locally")
}

func TestRefusingPortRefusesAndStaysReserved(t *testing.T) {
	r, err := chaos.RefusingPort()
	require.NoError(t, err)
	for range 3 {
		_, err = net.DialTimeout("tcp", r.Addr(), time.Second)
		require.ErrorContains(t, err, "connection refused")
	}
	_, err = net.Listen("tcp", r.Addr())
	require.ErrorContains(t, err, "address already in use", "no other process can take the port while it is held")
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "Close is safe twice")
	l, err := net.Listen("tcp", r.Addr())
	require.NoError(t, err, "the port is released")
	require.NoError(t, l.Close())
}

func TestHangingListenerCountsAndCloses(t *testing.T) {
	h, err := chaos.HangingListener()
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	c, err := net.Dial("tcp", h.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("hello"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.WaitAccepted(ctx, 1))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), "the listener never answers: %v", err)
	require.Equal(t, int64(5), h.BytesReceived())

	require.NoError(t, h.Close())
	require.NoError(t, h.Close(), "Close is safe twice")
	require.NoError(t, c.SetReadDeadline(time.Now().Add(2*time.Second)))
	_, err = c.Read(make([]byte, 1))
	require.Error(t, err)
	var after net.Error
	require.False(t, errors.As(err, &after) && after.Timeout(), "Close closes accepted connections: %v", err)
}

// TestMisconfiguredBrokerGetsNoMetadata points a franz-go client at each bad address: the
// metadata request fails within a bounded time and never succeeds.
func TestMisconfiguredBrokerGetsNoMetadata(t *testing.T) {
	refuser, err := chaos.RefusingPort()
	require.NoError(t, err)
	t.Cleanup(func() { _ = refuser.Close() })
	refusing := refuser.Addr()
	hang, err := chaos.HangingListener()
	require.NoError(t, err)
	t.Cleanup(func() { _ = hang.Close() })
	for _, tc := range []struct {
		name, addr string
		fast       bool // fails before the deadline rather than at it
	}{
		{"unresolvable", chaos.UnresolvableAddr(), true},
		{"refusing", refusing, true},
		{"hanging", hang.Addr(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := kgo.NewClient(kgo.SeedBrokers(tc.addr), kgo.DialTimeout(time.Second), kgo.RequestRetries(0))
			require.NoError(t, err)
			defer cl.Close()
			const deadline = 2 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			_, err = cl.SeedBrokers()[0].Request(ctx, kmsg.NewPtrMetadataRequest())
			took := time.Since(start)
			require.Error(t, err)
			require.Less(t, took, deadline+time.Second)
			if tc.fast {
				require.Less(t, took, deadline/2, "%v", err)
			}
			t.Logf("%s: failed after %s: %v", tc.name, took.Round(time.Millisecond), err)
		})
	}
	require.Equal(t, int64(1), hang.Accepted(), "the client connected to the hanging listener")
	require.Positive(t, hang.BytesReceived(), "the client sent its first request")
}
