// Command connmeasure measures what the exporter sends to a Kafka address that never
// works: connection attempts and bytes written per minute, for an unresolvable name, a
// refusing loopback port and a loopback listener that accepts and never answers, beside
// a plain franz-go consumer with its defaults for comparison. Every run goes in parallel
// for -duration (default 60 s); the table goes to stdout.
//
//	go run ./reference/exporter/internal/connmeasure -duration 60s
//
// Bytes written are counted by the kgo HookBrokerWrite (request bytes handed to a
// connection) and, for the hanging listener, by the listener itself (bytes received).
// DNS queries of the unresolvable name are not counted: each attempt is one lookup.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/exporter"
)

type counter struct{ attempts, writes, bytes atomic.Int64 }

func (c *counter) OnBrokerConnect(kgo.BrokerMetadata, time.Duration, net.Conn, error) {
	c.attempts.Add(1)
}

func (c *counter) OnBrokerWrite(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, _ error) {
	c.writes.Add(1)
	c.bytes.Add(int64(n))
}

// hang accepts connections, reads and counts what arrives, and never answers.
type hang struct {
	l                net.Listener
	accepted, bytesN atomic.Int64
}

func newHang() (*hang, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hang{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.accepted.Add(1)
			go func() {
				n, _ := io.Copy(io.Discard, c)
				h.bytesN.Add(n)
			}()
		}
	}()
	return h, nil
}

func refusingAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

type result struct {
	target, client string
	c              *counter
	h              *hang
}

func main() {
	d := flag.Duration("duration", time.Minute, "how long each client runs")
	flag.Parse()
	if err := run(*d); err != nil {
		fmt.Fprintln(os.Stderr, "connmeasure:", err)
		os.Exit(1)
	}
}

func run(d time.Duration) error {
	refusing, err := refusingAddr()
	if err != nil {
		return fmt.Errorf("refusing port: %w", err)
	}
	targets := map[string]string{"unresolvable": "kafka.invalid:9092", "refusing port": refusing}
	hangs := map[string]*hang{}
	for _, client := range []string{"exporter", "kgo defaults"} {
		h, err := newHang()
		if err != nil {
			return fmt.Errorf("hanging listener: %w", err)
		}
		defer h.l.Close()
		hangs[client] = h
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var results []result
	var errs []error
	launch := func(target, addr, client string, h *hang) {
		c := &counter{}
		mu.Lock()
		results = append(results, result{target, client, c, h})
		mu.Unlock()
		wg.Go(func() {
			if err := runClient(ctx, client, addr, c); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s %s: %w", client, target, err))
				mu.Unlock()
			}
		})
	}
	for _, client := range []string{"exporter", "kgo defaults"} {
		for _, target := range []string{"unresolvable", "refusing port"} {
			launch(target, targets[target], client, nil)
		}
		launch("accepts and hangs", hangs[client].l.Addr().String(), client, hangs[client])
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	perMin := func(n int64) string { return fmt.Sprintf("%.1f", float64(n)*float64(time.Minute)/float64(d)) }
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "target\tclient\tattempts\tattempts/min\tbytes written\tbytes/min\tlistener: accepted, bytes\n")
	for _, r := range results {
		lst := "-"
		if r.h != nil {
			lst = fmt.Sprintf("%d, %d", r.h.accepted.Load(), r.h.bytesN.Load())
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\t%s\n", r.target, r.client, r.c.attempts.Load(), perMin(r.c.attempts.Load()),
			r.c.bytes.Load(), perMin(r.c.bytes.Load()), lst)
	}
	fmt.Fprintf(tw, "(%s per client, all in parallel)\n", d)
	return tw.Flush()
}

// runClient runs the exporter, or a plain franz-go consumer, against addr until ctx ends.
func runClient(ctx context.Context, client, addr string, c *counter) error {
	if client == "exporter" {
		e, err := exporter.New(exporter.Brokers(addr), exporter.Logger(slog.New(slog.DiscardHandler)),
			exporter.ClientOpts(kgo.WithHooks(c)))
		if err != nil {
			return err
		}
		defer e.Close()
		return e.Run(ctx)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(exporter.DefaultTopics...), kgo.WithHooks(c))
	if err != nil {
		return err
	}
	defer cl.Close()
	for ctx.Err() == nil {
		cl.PollFetches(ctx)
	}
	return nil
}
