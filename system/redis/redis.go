package redis

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	"github.com/dashstream/acceptance/system/netfault"
	"github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/proc"
)

// Server is a running redis-server.
type Server struct {
	// Addr is its host:port on loopback.
	Addr string
	p    *proc.Process
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Start starts redis-server with nothing persisted and waits until it answers PING.
func Start(ctx context.Context) (*Server, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server is not installed (Debian: apt-get install -y redis-server; `make deps` does it): %w", err)
	}
	addr, err := netfault.FreeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	p, err := proc.Start(ctx, proc.Spec{Name: "redis-" + port, Path: path, Isolated: true, Grace: 5 * time.Second,
		Args: []string{"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--protected-mode", "yes"}})
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: addr, p: p}
	_, last, err := poll.Until(ctx, 10*time.Second, 50*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		if !p.Running() {
			return false, "", poll.Stop(fmt.Errorf("redis-server exited: %s", p.Tail(5)))
		}
		return Ping(ctx, addr)
	})
	if err != nil {
		_ = p.Kill()
		return nil, fmt.Errorf("redis-server at %s did not answer PING (%s): %w", addr, last, err)
	}
	return s, nil
}

// Ping sends PING to the Redis at addr and reports whether +PONG came back, with the line
// that did.
func Ping(ctx context.Context, addr string) (bool, string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false, "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return false, "", err
	}
	line = strings.TrimSpace(line)
	return line == "+PONG", line, nil
}

// Stop stops the server (SIGTERM, then SIGKILL after the grace period).
func (s *Server) Stop(ctx context.Context) error {
	if s == nil || s.p == nil {
		return errors.New("no redis-server")
	}
	return s.p.Stop(ctx)
}
