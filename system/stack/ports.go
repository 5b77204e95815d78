package stack

import (
	"fmt"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// heldAddr is a loopback address whose port the harness holds for a service for the
// stack's life: a socket bound to it with SO_REUSEADDR that never listens. The service's
// own listener (Go sets SO_REUSEADDR on every listener) can bind it, at its start and at
// every restart, since the held socket does not listen; the kernel never hands the port
// to anyone asking for any free port (a listener on port 0, an outgoing connection), so
// another scenario cannot take it between the harness picking it and the service
// binding it, nor while the service is stopped. While the service is down a connection
// to the port is refused. Brokers need the stricter kfakeproc.Port.
type heldAddr struct {
	mu   sync.Mutex
	fd   int
	addr string
}

// holdLoopbackAddr holds a free loopback port.
func holdLoopbackAddr() (*heldAddr, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("hold a port: socket: %w", err)
	}
	fail := func(op string, err error) (*heldAddr, error) {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("hold a port: %s: %w", op, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("SO_REUSEADDR", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return fail("bind", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	in4, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		return fail("getsockname", fmt.Errorf("bound to %T, not an IPv4 address", sa))
	}
	return &heldAddr{fd: fd, addr: "127.0.0.1:" + strconv.Itoa(in4.Port)}, nil
}

// release lets the port go. Safe to call twice.
func (h *heldAddr) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fd >= 0 {
		_ = unix.Close(h.fd)
		h.fd = -1
	}
}
