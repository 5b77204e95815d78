package containers

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
)

// hostForwarders relays connections from the stack network's gateway to servers of the
// harness that listen on the host's loopback only (a scenario's hanging "broker", say),
// one listener per upstream, closed by the Stack's Close.
type hostForwarders struct {
	mu    sync.Mutex
	gw    string
	by    map[string]string // upstream 127.0.0.1:port -> HostAlias:port
	lns   []net.Listener
	conns sync.WaitGroup
}

// gatewayAddr returns (and caches) the network's gateway address.
func (s *Stack) gatewayAddr(ctx context.Context) (string, error) {
	s.fwd.mu.Lock()
	gw := s.fwd.gw
	s.fwd.mu.Unlock()
	if gw != "" {
		return gw, nil
	}
	gw, err := s.gateway(ctx)
	if err != nil {
		return "", err
	}
	s.fwd.mu.Lock()
	s.fwd.gw = gw
	s.fwd.mu.Unlock()
	return gw, nil
}

// hostAccess is a HostConfig modifier adding HostAlias as the network's gateway.
func hostAccess(gw string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) { hc.ExtraHosts = append(hc.ExtraHosts, HostAlias+":"+gw) }
}

// containerBrokers translates a KAFKA_BROKERS value written from the harness's point of
// view into one that works inside a container of the stack:
//
//   - the stack's own Kafka as the harness knows it (Bootstrap, the proxy; or the
//     published port) becomes InternalBootstrap: the broker advertises the host proxy on
//     the listener behind those, which a container cannot reach;
//   - another loopback address with a listener (a scenario's fake broker) becomes
//     HostAlias:<port> of a forwarder on the gateway that relays to it, so the service
//     meets the same server; without a listener it stays, and is refused in the
//     container just as on the host;
//   - anything else (a name, a remote address) stays as it is.
func (s *Stack) containerBrokers(ctx context.Context, value string) (string, error) {
	own := []string{}
	if s.kafka != nil {
		own = append(s.kafka.Bootstrap(), s.kafka.broker.published)
	}
	parts := strings.Split(value, ",")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case slices.Contains(own, p):
			p = InternalBootstrap
		case isLoopback(p) && listening(ctx, p):
			fwd, err := s.forwardHost(ctx, p)
			if err != nil {
				return "", err
			}
			p = fwd
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ","), nil
}

// isLoopback reports whether addr is host:port with a loopback host.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listening reports whether a TCP connection to addr is accepted (within a second).
func listening(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// forwardHost returns HostAlias:<port> of a forwarder on the gateway relaying to the
// loopback address upstream, starting it on first use.
func (s *Stack) forwardHost(ctx context.Context, upstream string) (string, error) {
	gw, err := s.gatewayAddr(ctx)
	if err != nil {
		return "", err
	}
	s.fwd.mu.Lock()
	defer s.fwd.mu.Unlock()
	if a, ok := s.fwd.by[upstream]; ok {
		return a, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(gw, "0"))
	if err != nil {
		return "", fmt.Errorf("forwarder to %s on the network gateway %s: %w", upstream, gw, err)
	}
	if s.fwd.by == nil {
		s.fwd.by = map[string]string{}
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	a := net.JoinHostPort(HostAlias, port)
	s.fwd.by[upstream] = a
	s.fwd.lns = append(s.fwd.lns, ln)
	s.fwd.conns.Add(1)
	go func() {
		defer s.fwd.conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(c, upstream)
		}
	}()
	return a, nil
}

// close stops every forwarder (relayed connections end with their peers).
func (f *hostForwarders) close() {
	f.mu.Lock()
	lns := f.lns
	f.lns, f.by = nil, nil
	f.mu.Unlock()
	for _, ln := range lns {
		_ = ln.Close()
	}
	f.conns.Wait()
}
