package steps

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
)

// socketEvery is how often a socketWatch lists the process's sockets; maxSocketGap is
// the longest time between two samples a watch may have (a loaded machine delays them)
// for its window to count as watched.
const (
	socketEvery  = 50 * time.Millisecond
	maxSocketGap = time.Second
)

// socketWatch samples the sockets a service's process holds, from the kernel's tables,
// and keeps every one that is not the service's own HTTP listener or a connection to it:
// the sockets the process opened to reach out (TCP, or UDP for DNS).
type socketWatch struct {
	pid      int
	httpPort uint16
	done     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup

	mu       sync.Mutex
	samples  int
	last     time.Time
	maxGap   time.Duration        // the longest time between two samples
	known    map[string]bool      // socket inodes already looked up
	outbound map[string]time.Time // socket description → first seen
	err      error
}

// watchSockets starts a socketWatch on svc's process; it skips the scenario when the
// stack does not run services as processes the harness can read.
func watchSockets(svc stack.Service) (*socketWatch, error) {
	p, ok := svc.(interface{ PID() int })
	if !ok || p.PID() == 0 {
		return nil, fmt.Errorf("the stack runs the exporter where the harness cannot read its sockets: %w", godog.ErrSkip)
	}
	_, port, err := net.SplitHostPort(svc.Addr())
	if err != nil {
		return nil, fmt.Errorf("socket watch: %w", err)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("socket watch: port %q: %w", port, err)
	}
	s := &socketWatch{pid: p.PID(), httpPort: uint16(n), done: make(chan struct{}), known: map[string]bool{}, outbound: map[string]time.Time{}}
	s.wg.Add(1)
	go s.run()
	return s, nil
}

func (s *socketWatch) run() {
	defer s.wg.Done()
	t := time.NewTicker(socketEvery)
	defer t.Stop()
	for {
		if !s.sample() {
			return
		}
		select {
		case <-s.done:
			return
		case <-t.C:
		}
	}
}

// sample lists the process's socket inodes (cheap) and looks up the kernel's socket
// tables only when one is new. It reports false once the process is gone.
func (s *socketWatch) sample() bool {
	inodes, err := proc.SocketInodes(s.pid)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err // the process ended (restart): the watch is over
		return false
	}
	if !s.last.IsZero() {
		s.maxGap = max(s.maxGap, now.Sub(s.last))
	}
	s.last = now
	s.samples++
	fresh := false
	for _, ino := range inodes {
		if !s.known[ino] {
			fresh = true
		}
	}
	if !fresh {
		return true
	}
	socks, err := proc.Sockets(s.pid)
	if err != nil {
		s.err = err
		return false
	}
	for _, ino := range inodes {
		s.known[ino] = true
	}
	for _, k := range socks {
		if k.Local.Port() == s.httpPort {
			continue // the HTTP listener, or a scrape by the harness
		}
		desc := fmt.Sprintf("%s %s -> %s state %d", k.Proto, k.Local, k.Remote, k.State)
		if _, seen := s.outbound[desc]; !seen {
			s.outbound[desc] = now
		}
	}
	return true
}

// stop ends the watch; safe to call twice.
func (s *socketWatch) stop() {
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
}

// noOutboundSocket judges a window in which the exporter's broker address cannot be
// resolved: the kernel never lists a socket of the exporter other than its HTTP
// listener's, sampled every socketEvery. A socket opened and closed between two samples
// is not seen; the unresolvable name fails in the resolver before any socket exists.
func noOutboundSocket(ctx context.Context, seconds int) error {
	w := world(ctx)
	st := state[addressState](w)
	if st.sockets == nil {
		return fmt.Errorf("no socket watch on the exporter: the address %s is watched at the listener instead", st.kind)
	}
	if _, err := st.window(ctx, seconds); err != nil {
		return err
	}
	s := st.sockets
	s.mu.Lock()
	samples, err, maxGap := s.samples, s.err, s.maxGap
	var found []string
	for desc, at := range s.outbound {
		found = append(found, fmt.Sprintf("%s (first seen %.2f s after start)", desc, at.Sub(st.started).Seconds()))
	}
	s.mu.Unlock()
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	own, ownErr := scrape(ctx, exp.Addr())
	w.rec.Evidence(evidence.During, evidence.KindNote, "sockets of the exporter's process", map[string]any{
		"window_seconds": seconds, "samples": samples, "sample_every_ms": socketEvery.Milliseconds(), "longest_gap_ms": maxGap.Milliseconds(),
		"outbound_sockets": found, "watch_error": errString(err),
		"exporter_says_connect_attempts": own["dashstream_exporter_kafka_connect_attempts_total"], "exporter_scrape_error": errString(ownErr)})
	if err != nil {
		return fmt.Errorf("the socket watch of the exporter (pid %d) ended after %d samples: %w", s.pid, samples, err)
	}
	if samples < seconds || maxGap > maxSocketGap {
		return fmt.Errorf("the exporter's sockets were sampled %d times in %d s with a longest gap of %s (at most %s): the window was not watched", samples, seconds, maxGap, maxSocketGap)
	}
	if len(found) > 0 {
		return fmt.Errorf("the exporter opened sockets of its own while its broker address cannot be resolved: %s", strings.Join(found, "; "))
	}
	return nil
}
