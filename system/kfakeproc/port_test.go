package kfakeproc

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// requireTaken fails unless binding addr, as another process picking it would, fails with
// "address already in use".
func requireTaken(t *testing.T, addr, why string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err == nil {
		l.Close()
	}
	require.ErrorIs(t, err, syscall.EADDRINUSE, "%s: another listener could bind %s", why, addr)
}

// requireRefused fails unless a connection to addr is refused at once: nothing listens,
// as at a dead broker (a held port must not turn a dead broker into a hanging one).
func requireRefused(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	require.ErrorIs(t, err, syscall.ECONNREFUSED, "a connection to %s must be refused", addr)
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

func TestReservedPortIsNeitherBoundNorHandedOut(t *testing.T) {
	p, err := ReservePort(0)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	requireTaken(t, p.Addr(), "a reserved port")
	requireRefused(t, p.Addr())
	require.False(t, handedOutToAnyPort(t, p.Number()), "a listener on port 0 could get the reserved port")
	p.Close()
	p.Close() // safe twice
	require.True(t, handedOutToAnyPort(t, p.Number()), "a released port is free again")
	l, err := net.Listen("tcp", p.Addr())
	require.NoError(t, err, "a released port is free again")
	l.Close()
}

// TestBrokerPortStaysHeldWhileTheBrokerIsDown guards the port race of the embedded suite:
// a destructive scenario's broker could not bind its port ("bind: address already in
// use") because the port was picked free, released, and taken by another scenario before
// the broker (re)bound it.
func TestBrokerPortStaysHeldWhileTheBrokerIsDown(t *testing.T) {
	b := startBroker(t)
	requireTaken(t, b.ListenAddr(), "a running broker")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, b.Kill(ctx))
	requireRefused(t, b.ListenAddr())
	requireTaken(t, b.ListenAddr(), "a killed broker's port, before its restart")
	require.False(t, handedOutToAnyPort(t, b.cfg.listenPort), "a listener on port 0 could get the killed broker's port")
	require.NoError(t, b.Stop(ctx))
	require.NoError(t, b.Restart(ctx), "the broker binds its held port again")
	require.NoError(t, Probe(ctx, b.ListenAddr()))
	require.NoError(t, b.Stop(ctx))
	requireRefused(t, b.ListenAddr())
	requireTaken(t, b.ListenAddr(), "a stopped broker's port, before its restart")
	require.NoError(t, b.Restart(ctx))
	b.Close()
	l, err := net.Listen("tcp", b.ListenAddr())
	require.NoError(t, err, "a closed broker releases its port")
	l.Close()
}

func TestStartOnATakenPortFailsAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = Start(ctx, ListenPort(l.Addr().(*net.TCPAddr).Port))
	require.True(t, errors.Is(err, syscall.EADDRINUSE), "Start must refuse a port it cannot hold, got %v", err)
}
