package kfakeproc

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

func TestReservedPortIsNeitherBoundNorHandedOut(t *testing.T) {
	p, err := ReservePort(0)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	requireTaken(t, p.Addr(), "a reserved port")
	requireRefused(t, p.Addr())
	for range 500 { // the kernel never hands the held port to a listener asking for any port
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		got := l.Addr().(*net.TCPAddr).Port
		l.Close()
		require.NotEqual(t, p.Number(), got, "a listener on port 0 got the reserved port")
	}
	p.Close()
	p.Close() // safe twice
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
