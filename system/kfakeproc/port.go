package kfakeproc

import (
	"fmt"
	"net"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// Port is a loopback TCP port held for one broker for as long as the Port is open: a
// socket bound to it with SO_REUSEPORT that never listens. No other socket can bind the
// port (the kernel neither hands it to a listener asking for port 0 nor to an outgoing
// connection), except a listener that also sets SO_REUSEPORT under the same user, which
// is what dskfake does. While the broker process is down nothing listens on the port, so
// clients get "connection refused", as from a dead broker, and no other process can take
// the port before the broker is restarted on it.
//
// Trap: a port picked by listening on port 0 and closing the listener (FreePort) is free
// only at that moment; a broker started on it later may find it taken ("bind: address
// already in use"). Hold a Port instead.
type Port struct {
	mu   sync.Mutex
	fd   int
	port int
}

// ReservePort holds a free loopback port, or the given one when port is not zero (it
// fails if another socket has it). Trap: a port another Port of the same user holds is
// not refused, since SO_REUSEPORT lets both bind it; two brokers on one port would share
// its connections. Reserve port 0 for each broker, or give each its own fixed port.
func ReservePort(port int) (*Port, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reserve port: socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("reserve port: SO_REUSEPORT: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("reserve port %d: bind: %w", port, err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("reserve port: getsockname: %w", err)
	}
	in4, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("reserve port: bound to %T, not an IPv4 address", sa)
	}
	return &Port{fd: fd, port: in4.Port}, nil
}

// Number returns the port number.
func (p *Port) Number() int { return p.port }

// Addr returns the loopback address of the port ("127.0.0.1:<port>").
func (p *Port) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// Close releases the port. Safe to call twice.
func (p *Port) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd >= 0 {
		_ = unix.Close(p.fd)
		p.fd = -1
	}
}

// FreePort asks the kernel for a loopback TCP port free right now. The port is released
// on return: use ReservePort for a port a process binds later.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
