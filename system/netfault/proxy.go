package netfault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Proxy is a TCP proxy whose traffic can be cut, delayed and reset, and which records
// every connection and Kafka request it forwards. Its methods are safe for concurrent use.
type Proxy struct {
	name  string
	p     *toxiproxy.Proxy // toxics live here, behind the front listener
	addr  string           // the front address clients dial
	inner string           // toxiproxy's address
	rec   *recorder

	mu     sync.Mutex
	ln     net.Listener // nil while cut
	open   map[*pipe]struct{}
	cut    bool
	closed bool
	wg     sync.WaitGroup
}

var server = sync.OnceValue(func() *toxiproxy.ApiServer {
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
})

// New starts a proxy listening on listen ("127.0.0.1:0" picks a free port) and forwarding
// to upstream. name appears in errors.
func New(name, listen, upstream string) (*Proxy, error) {
	p := toxiproxy.NewProxy(server(), name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("start proxy %s: %w", name, err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		p.Stop()
		return nil, fmt.Errorf("start proxy %s on %s: %w", name, listen, err)
	}
	px := &Proxy{name: name, p: p, addr: ln.Addr().String(), inner: p.Listen, rec: &recorder{},
		ln: ln, open: map[*pipe]struct{}{}}
	px.wg.Go(func() { px.accept(ln) })
	return px, nil
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
		return fmt.Errorf("cut %s: proxy closed", p.name)
	}
	if !p.cut {
		p.cut = true
		p.closeConnsLocked()
	}
	return nil
}

// closeConnsLocked closes the listener and every connection; p.mu is held.
func (p *Proxy) closeConnsLocked() {
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.open {
		c.abort()
	}
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
		return fmt.Errorf("toxic %s on %s: proxy closed", name, p.name)
	}
	if p.p.Toxics.GetToxic(name) != nil {
		return nil // already in place: injecting twice is a no-op
	}
	if _, err := p.p.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
		return fmt.Errorf("toxic %s on %s: %w", name, p.name, err)
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
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("heal %s: reopen %s: %w", p.name, p.addr, err)
		}
		p.ln, p.cut = ln, false
		p.wg.Go(func() { p.accept(ln) })
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
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.closeConnsLocked()
	p.mu.Unlock()
	p.wg.Wait()
	p.p.Stop()
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed by Cut or Close
		}
		id := p.rec.accepted(time.Now())
		pp := &pipe{client: c, conn: id, rec: p.rec}
		p.mu.Lock()
		if p.cut || p.closed || p.ln != ln {
			p.mu.Unlock()
			_ = c.Close()
			p.rec.closed(id, time.Now())
			p.rec.done(id)
			continue
		}
		p.open[pp] = struct{}{}
		p.mu.Unlock()
		p.wg.Go(func() {
			pp.run(p.inner)
			p.mu.Lock()
			delete(p.open, pp)
			p.mu.Unlock()
		})
	}
}

// errAborted marks a pipe closed by Cut or Close.
var errAborted = errors.New("proxy cut")
