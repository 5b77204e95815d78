// Command dsconnmeasure measures what the reference exporter sends to a Kafka address that
// never works: connection attempts and bytes per minute, for an unresolvable name, a
// refusing loopback port, a listener that accepts and resets every connection and one
// that accepts and never answers, beside a plain franz-go consumer with its defaults for
// comparison. Every run goes in parallel for -duration (default 60 s); the table goes to
// stdout.
//
//	go run ./bench/cmd/dsconnmeasure -duration 60s
//
// The listeners are the harness's own (system/chaos ResettingListener and
// HangingListener): what they accepted and received is what arrived, whatever the client
// believes it did. The client's own count (franz-go's connect and write hooks) is shown
// beside it; it is the only count there is for the unresolvable name (no connection is
// made) and for the refusing port (the kernel answers, nothing is accepted). DNS queries
// are not counted: each attempt at the unresolvable name is one lookup.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/exporter"
	"github.com/dashstream/acceptance/system/chaos"
)

// hooks is the client's own count of connection attempts and bytes written.
type hooks struct{ attempts, bytes atomic.Int64 }

func (c *hooks) OnBrokerConnect(kgo.BrokerMetadata, time.Duration, net.Conn, error) {
	c.attempts.Add(1)
}

func (c *hooks) OnBrokerWrite(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, _ error) {
	c.bytes.Add(int64(n))
}

// listener is a harness listener's view: connections accepted and bytes received.
type listener interface {
	Addr() string
	Accepted() int64
	BytesReceived() int64
	Close() error
}

// target is one address a client is pointed at, with the harness listener behind it if any.
type target struct {
	name, addr string
	l          listener
	close      func() error
}

type result struct {
	target target
	client string
	own    *hooks
}

var clients = []string{"exporter", "kgo defaults"}

func main() {
	d := flag.Duration("duration", time.Minute, "how long each client runs (1s to 1h)")
	flag.Parse()
	if *d < time.Second || *d > time.Hour {
		fmt.Fprintf(os.Stderr, "dsconnmeasure: -duration %s is out of range: give 1s to 1h\n", *d)
		os.Exit(2)
	}
	if err := run(*d); err != nil {
		fmt.Fprintln(os.Stderr, "dsconnmeasure:", err)
		os.Exit(1)
	}
}

// targets starts one set of addresses for a client: each client gets listeners of its own,
// so their counts are its own.
func targets() ([]target, error) {
	ts := []target{{name: "unresolvable", addr: chaos.UnresolvableAddr()}}
	closeAll := func() {
		for _, t := range ts {
			if t.close != nil {
				_ = t.close()
			}
		}
	}
	ref, err := chaos.RefusingPort()
	if err != nil {
		return nil, err
	}
	ts = append(ts, target{name: "refusing port", addr: ref.Addr(), close: ref.Close})
	rst, err := chaos.ResettingListener()
	if err != nil {
		closeAll()
		return nil, err
	}
	ts = append(ts, target{name: "accepts and resets", addr: rst.Addr(), l: rst, close: rst.Close})
	hang, err := chaos.HangingListener()
	if err != nil {
		closeAll()
		return nil, err
	}
	ts = append(ts, target{name: "accepts and hangs", addr: hang.Addr(), l: hang, close: hang.Close})
	return ts, nil
}

func run(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []result
		errs    []error
	)
	for _, client := range clients {
		ts, err := targets()
		if err != nil {
			return fmt.Errorf("harness addresses: %w", err)
		}
		for _, t := range ts {
			if t.close != nil {
				defer t.close()
			}
			own := &hooks{}
			results = append(results, result{t, client, own})
			wg.Go(func() {
				if err := runClient(ctx, client, t.addr, own); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s %s: %w", client, t.name, err))
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	perMin := func(n int64) string { return fmt.Sprintf("%.1f", float64(n)*float64(time.Minute)/float64(d)) }
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "target\tclient\taccepted by harness\taccepted/min\tbytes received by harness\tclient's own count: attempts, bytes written\n")
	for _, r := range results {
		acc, accMin, bytes := "-", "-", "-"
		if r.target.l != nil {
			acc, accMin, bytes = fmt.Sprint(r.target.l.Accepted()), perMin(r.target.l.Accepted()), fmt.Sprint(r.target.l.BytesReceived())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d, %d\n", r.target.name, r.client, acc, accMin, bytes,
			r.own.attempts.Load(), r.own.bytes.Load())
	}
	fmt.Fprintf(tw, "(%s per client, all in parallel)\n", d)
	return tw.Flush()
}

// runClient runs the exporter, or a plain franz-go consumer, against addr until ctx ends.
func runClient(ctx context.Context, client, addr string, own *hooks) error {
	if client == "exporter" {
		e, err := exporter.New(exporter.Brokers(addr), exporter.Logger(slog.New(slog.DiscardHandler)),
			exporter.ClientOpts(kgo.WithHooks(own)))
		if err != nil {
			return err
		}
		defer e.Close()
		return e.Run(ctx)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(exporter.DefaultTopics...), kgo.WithHooks(own))
	if err != nil {
		return err
	}
	defer cl.Close()
	for ctx.Err() == nil {
		cl.PollFetches(ctx)
	}
	return nil
}
