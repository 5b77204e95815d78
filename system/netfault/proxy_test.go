package netfault

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return l.Addr().String()
}

func newProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := New("echo", "127.0.0.1:0", echoServer(t))
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// roundTrip sends a line through addr and returns the answer or the error, waiting at
// most timeout.
func roundTrip(addr string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestCutRefusesAndHealRestoresSameAddress(t *testing.T) {
	p := newProxy(t)
	got, err := roundTrip(p.Addr(), time.Second)
	require.NoError(t, err)
	require.Equal(t, "ping\n", got)

	require.NoError(t, p.Cut())
	require.NoError(t, p.Cut(), "Cut twice is a no-op")
	require.True(t, p.Faulty())
	_, err = roundTrip(p.Addr(), time.Second)
	require.Error(t, err, "a cut proxy must refuse")

	require.NoError(t, p.Heal())
	require.NoError(t, p.Heal(), "Heal twice is a no-op")
	require.False(t, p.Faulty())
	got, err = roundTrip(p.Addr(), time.Second)
	require.NoError(t, err)
	require.Equal(t, "ping\n", got)
}

func TestBlackholeHangsConnections(t *testing.T) {
	p := newProxy(t)
	require.NoError(t, p.Blackhole())
	start := time.Now()
	_, err := roundTrip(p.Addr(), 500*time.Millisecond)
	require.Error(t, err)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), "a blackhole hangs (timeout), it does not refuse: %v", err)
	require.GreaterOrEqual(t, time.Since(start), 450*time.Millisecond)
	require.NoError(t, p.Heal())
	_, err = roundTrip(p.Addr(), time.Second)
	require.NoError(t, err)
}

func TestLatencyDelays(t *testing.T) {
	p := newProxy(t)
	require.NoError(t, p.Latency(300*time.Millisecond, 0))
	start := time.Now()
	_, err := roundTrip(p.Addr(), 3*time.Second)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 280*time.Millisecond)
}

func TestResetPeer(t *testing.T) {
	p := newProxy(t)
	require.NoError(t, p.ResetPeer(0))
	_, err := roundTrip(p.Addr(), time.Second)
	require.Error(t, err)
}

func TestClosedProxyRefusesFaults(t *testing.T) {
	p := newProxy(t)
	p.Close()
	p.Close()
	require.Error(t, p.Cut())
	require.Error(t, p.Latency(time.Millisecond, 0))
}
