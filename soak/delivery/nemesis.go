package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/kafkalocal"
	"github.com/dashstream/acceptance/system/stack"
)

// Victim choices for -victim.
const (
	victimLeader = "leader" // the leader of a random partition of the topic
	victimRandom = "random" // any broker
)

// nemesis kills a broker with SIGKILL every interval (chaos.BrokerKill) and undoes the
// fault at once (after down, when set), recording each fault in a KillRec and on its
// journal.
type nemesis struct {
	c        *kafkalocal.Cluster
	adm      *kadm.Client
	topic    string
	interval time.Duration
	down     time.Duration
	victim   string
	rnd      *rand.Rand
	// restartTimeout bounds one restart (ready included); the nemesis never waits longer.
	restartTimeout time.Duration

	faults chaos.Journal

	mu    sync.Mutex
	kills []KillRec
}

// run kills and restarts until ctx ends. Each kill comes interval after the previous
// restart was done (after the start for the first), so the broker is up for at least
// interval between kills however long a restart takes on a loaded machine. A restart in
// progress when ctx ends is finished first (bounded by restartTimeout), so run returns
// with every broker running unless a restart failed.
func (n *nemesis) run(ctx context.Context) {
	for {
		t := time.NewTimer(n.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if ctx.Err() != nil {
			return
		}
		n.once(ctx)
	}
}

func (n *nemesis) once(ctx context.Context) {
	i, why := n.pick(ctx)
	k := KillRec{Broker: i, NodeID: n.c.NodeID(i), Why: why}
	// The fault and its undo live in this one function: whatever happens, the broker is
	// started again before it returns.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.restartTimeout)
	defer cancel()
	h, err := chaos.BrokerKill(stack.LocalBroker(n.c, i, nil), chaos.Recovery(n.restartTimeout)).Inject(rctx, &n.faults)
	if spans := n.faults.Spans(); len(spans) > 0 {
		k.KilledAt = spans[len(spans)-1].Start // after the health check, just before the kill
	}
	if err != nil {
		k.Err = err.Error()
		n.add(k)
		return
	}
	if n.down > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(n.down):
		}
	}
	k.StartedAt = time.Now()
	if err := h.Undo(rctx); err != nil {
		k.Err = fmt.Sprintf("restart: %v", err)
	} else {
		k.ReadyAt = time.Now()
	}
	n.add(k)
}

func (n *nemesis) add(k KillRec) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.kills = append(n.kills, k)
}

func (n *nemesis) snapshot() []KillRec {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]KillRec(nil), n.kills...)
}

// pick chooses the broker to kill and says why.
func (n *nemesis) pick(ctx context.Context) (int, string) {
	b := n.c.Brokers()
	if b == 1 {
		return 0, "the only broker"
	}
	if n.victim == victimLeader {
		mctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if md, err := n.adm.Metadata(mctx, n.topic); err == nil {
			if t, ok := md.Topics[n.topic]; ok && len(t.Partitions) > 0 {
				ps := t.Partitions.Sorted()
				p := ps[n.rnd.IntN(len(ps))]
				if p.Leader > 0 && int(p.Leader) <= b {
					return int(p.Leader) - 1, fmt.Sprintf("leader of partition %d", p.Partition)
				}
			}
		}
	}
	return n.rnd.IntN(b), "random broker"
}

// ensureRunning starts every broker that is not running (after a failed restart).
func ensureRunning(ctx context.Context, c *kafkalocal.Cluster) error {
	for i := range c.Brokers() {
		if !c.Running(i) {
			if err := c.Start(ctx, i); err != nil {
				return fmt.Errorf("start broker %d before the drain: %w", i, err)
			}
		}
	}
	return nil
}
