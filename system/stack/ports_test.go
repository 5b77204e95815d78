package stack_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/dashstream/acceptance/system/stack"
)

// healthzWithin fails unless GET /healthz at addr answers 200 within d.
func healthzWithin(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		require.True(t, time.Now().Before(deadline), "no 200 from %s/healthz within %s (last error %v)", addr, d, err)
		time.Sleep(100 * time.Millisecond)
	}
}

// handedOutToAnyPort reports whether the kernel would give port to a listener asking for
// any free port, as another scenario's does: a socket set up as Go sets up a listener,
// whose range of ports to pick from (IP_LOCAL_PORT_RANGE) is that one port, binds port 0.
func handedOutToAnyPort(t *testing.T, port int) bool {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(fd)
	require.NoError(t, unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1))
	require.NoError(t, unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_LOCAL_PORT_RANGE, port|port<<16))
	err = unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	if err == nil {
		sa, err := unix.Getsockname(fd)
		require.NoError(t, err)
		require.Equal(t, port, sa.(*unix.SockaddrInet4).Port, "IP_LOCAL_PORT_RANGE was not applied")
		return true
	}
	require.ErrorIs(t, err, syscall.EADDRINUSE)
	return false
}

// port returns the port of a host:port address.
func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return n
}

// TestAServicePortIsHeldWhileItIsStopped guards the same race as the brokers' ports, for
// services: a stopped exporter's port stays its own, so its restart at the same address
// cannot find it taken by a listener another scenario opened on port 0.
func TestAServicePortIsHeldWhileItIsStopped(t *testing.T) {
	s := openStack(t, "embedded")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	svc, err := s.Services().Start(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	healthzWithin(t, svc.Addr(), 30*time.Second)

	require.NoError(t, svc.Stop(ctx))
	c, err := net.DialTimeout("tcp", svc.Addr(), time.Second)
	if err == nil {
		c.Close()
	}
	require.ErrorIs(t, err, syscall.ECONNREFUSED, "a stopped service's port refuses connections")
	require.False(t, handedOutToAnyPort(t, port(t, svc.Addr())), "a listener on port 0 could get the stopped service's port %s", svc.Addr())
	require.NoError(t, svc.Restart(ctx))
	healthzWithin(t, svc.Addr(), 30*time.Second)
}
