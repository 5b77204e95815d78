package netfault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Proxy is a TCP proxy whose traffic can be cut, delayed and reset. Its methods are safe
// for concurrent use.
type Proxy struct {
	mu     sync.Mutex
	p      *toxiproxy.Proxy
	addr   string
	cut    bool
	closed bool
}

var server = sync.OnceValue(func() *toxiproxy.ApiServer {
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
})

// New starts a proxy listening on listen ("127.0.0.1:0" picks a free port) and forwarding
// to upstream. name appears in errors.
func New(name, listen, upstream string) (*Proxy, error) {
	p := toxiproxy.NewProxy(server(), name, listen, upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("start proxy %s on %s: %w", name, listen, err)
	}
	return &Proxy{p: p, addr: p.Listen}, nil
}

// FreeAddr returns a loopback address with a port free right now, to fix a proxy's
// address before the upstream it fronts exists.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free address: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Addr returns the address the proxy listens on; it never changes.
func (p *Proxy) Addr() string { return p.addr }

// Upstream returns the address the proxy forwards to.
func (p *Proxy) Upstream() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.p.Upstream
}

// Cut closes the listener and every open connection: new connections are refused.
func (p *Proxy) Cut() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("cut %s: proxy closed", p.p.Name)
	}
	if !p.cut {
		p.p.Stop()
		p.cut = true
	}
	return nil
}

// Blackhole drops all data in both directions while keeping connections open.
func (p *Proxy) Blackhole() error {
	for _, stream := range []string{"upstream", "downstream"} {
		if err := p.addToxic("blackhole_"+stream, "timeout", stream, map[string]any{"timeout": 0}); err != nil {
			return err
		}
	}
	return nil
}

// Latency delays data flowing back to clients by d plus up to jitter.
func (p *Proxy) Latency(d, jitter time.Duration) error {
	return p.addToxic("latency", "latency", "downstream",
		map[string]any{"latency": d.Milliseconds(), "jitter": jitter.Milliseconds()})
}

// ResetPeer resets every connection with a TCP RST after the given time.
func (p *Proxy) ResetPeer(after time.Duration) error {
	return p.addToxic("reset_peer", "reset_peer", "upstream", map[string]any{"timeout": after.Milliseconds()})
}

func (p *Proxy) addToxic(name, typ, stream string, attrs map[string]any) error {
	body, err := json.Marshal(map[string]any{"name": name, "type": typ, "stream": stream, "toxicity": 1.0, "attributes": attrs})
	if err != nil {
		return fmt.Errorf("toxic %s: %w", name, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("toxic %s on %s: proxy closed", name, p.p.Name)
	}
	if p.p.Toxics.GetToxic(name) != nil {
		return nil // already in place: injecting twice is a no-op
	}
	if _, err := p.p.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
		return fmt.Errorf("toxic %s on %s: %w", name, p.p.Name, err)
	}
	return nil
}

// Heal removes every toxic and reopens a cut listener at the same address.
func (p *Proxy) Heal() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.p.Toxics.ResetToxics(context.Background())
	if p.cut {
		if err := p.p.Start(); err != nil {
			return fmt.Errorf("heal %s: reopen %s: %w", p.p.Name, p.addr, err)
		}
		p.cut = false
	}
	return nil
}

// Faulty reports whether a cut or any toxic is in place.
func (p *Proxy) Faulty() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut || len(p.p.Toxics.GetToxicArray()) > 0
}

// Close stops the proxy for good. Safe to call twice.
func (p *Proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		if !p.cut {
			p.p.Stop()
		}
	}
}
