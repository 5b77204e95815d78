package kafkalocal

import (
	"context"
	"errors"
	"fmt"
)

// ErrClosed is returned by the methods of a Cluster after Close.
var ErrClosed = errors.New("cluster is closed")

// ErrNoBroker is returned when a broker index is out of range.
var ErrNoBroker = errors.New("no such broker")

func (c *Cluster) check(i int) error {
	if i < 0 || i >= len(c.nodes) {
		return fmt.Errorf("broker %d of %d: %w", i, len(c.nodes), ErrNoBroker)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	return nil
}

// Kill ends broker i with SIGKILL at once (kill -9) and waits until it is reaped. Its data
// stays on disk; Start brings it back on the same ports. Killing a stopped broker is a no-op.
func (c *Cluster) Kill(ctx context.Context, i int) error {
	if err := c.check(i); err != nil {
		return fmt.Errorf("kafkalocal: kill: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kafkalocal: kill %s: %w", c.nodes[i].name(), err)
	}
	if p := c.process(i); p != nil {
		if err := p.Kill(); err != nil {
			return fmt.Errorf("kafkalocal: kill: %w", err)
		}
	}
	return nil
}

// Stop ends broker i gracefully: SIGTERM (a paused broker is resumed first), then SIGKILL
// after StopGrace or when ctx ends. Kafka's controlled shutdown moves leadership away first.
func (c *Cluster) Stop(ctx context.Context, i int) error {
	if err := c.check(i); err != nil {
		return fmt.Errorf("kafkalocal: stop: %w", err)
	}
	if p := c.process(i); p != nil {
		if err := p.Stop(ctx); err != nil {
			return fmt.Errorf("kafkalocal: stop: %w", err)
		}
	}
	return nil
}

// Start starts broker i again with the same ports, configuration and data, and waits until
// it is ready (see the package doc). Starting a running broker is a no-op.
func (c *Cluster) Start(ctx context.Context, i int) error {
	if err := c.check(i); err != nil {
		return fmt.Errorf("kafkalocal: start: %w", err)
	}
	if p := c.process(i); p != nil && p.Running() {
		return nil
	}
	if err := c.spawn(ctx, i); err != nil {
		return err
	}
	return c.waitReady(ctx, []int{i})
}

// Restart stops broker i gracefully (see Stop), then starts it (see Start).
func (c *Cluster) Restart(ctx context.Context, i int) error {
	if err := c.Stop(ctx, i); err != nil {
		return err
	}
	return c.Start(ctx, i)
}

// Pause freezes broker i with SIGSTOP: its sockets stay open and it answers nothing, so
// clients hang until their timeouts. Resume undoes it. Both are idempotent.
func (c *Cluster) Pause(i int) error {
	if err := c.check(i); err != nil {
		return fmt.Errorf("kafkalocal: pause: %w", err)
	}
	p := c.process(i)
	if p == nil {
		return fmt.Errorf("kafkalocal: pause %s: never started", c.nodes[i].name())
	}
	if err := p.Pause(); err != nil {
		return fmt.Errorf("kafkalocal: %w", err)
	}
	return nil
}

// Resume continues broker i after Pause; it is a no-op when the broker is not paused.
func (c *Cluster) Resume(i int) error {
	if err := c.check(i); err != nil {
		return fmt.Errorf("kafkalocal: resume: %w", err)
	}
	if p := c.process(i); p != nil {
		if err := p.Resume(); err != nil {
			return fmt.Errorf("kafkalocal: %w", err)
		}
	}
	return nil
}

// Running reports whether broker i's process is alive (a paused broker is running).
func (c *Cluster) Running(i int) bool {
	p := c.process(i)
	return p != nil && p.Running()
}

// PID returns the process id of broker i's JVM, or 0 when it never ran.
func (c *Cluster) PID(i int) int {
	if p := c.process(i); p != nil {
		return p.PID()
	}
	return 0
}

// Bootstrap returns the advertised address of every broker, in broker order: the addresses
// clients should use (the proxies' when AdvertisedPorts is set). They never change.
func (c *Cluster) Bootstrap() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.advertised
	}
	return out
}

// ListenAddrs returns the address every broker listens on, in broker order. Without
// AdvertisedPorts they equal Bootstrap(). They never change across restarts.
func (c *Cluster) ListenAddrs() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.listenAddr()
	}
	return out
}

// NodeID returns the Kafka node.id of broker i: i+1.
func (c *Cluster) NodeID(i int) int32 { return int32(c.nodes[i].id) }

// Brokers returns how many brokers the cluster has (running or not).
func (c *Cluster) Brokers() int { return len(c.nodes) }

// Version returns the Apache Kafka version the brokers run, such as "4.4.0".
func (c *Cluster) Version() string { return c.launch.jars.Version }

// ClusterID returns the Kafka cluster id the storage was formatted with.
func (c *Cluster) ClusterID() string { return c.clusterID }

// Dir returns the folder that holds every broker's configuration and data.
func (c *Cluster) Dir() string { return c.root }

// Log returns the last lines broker i printed (lines <= 0: all that are kept, up to 2000).
func (c *Cluster) Log(i, lines int) string {
	if p := c.process(i); p != nil {
		return p.Tail(lines)
	}
	return ""
}
