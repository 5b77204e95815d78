package kafkalocal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/system/poll"
)

// ErrNotReady is wrapped by the error of Start, Cluster.Start and Cluster.Restart when a
// broker did not become ready in time; the message names the broker and ends with the tail
// of its log.
var ErrNotReady = errors.New("broker not ready")

// probe asks node n itself, on its listen address, for metadata and for the state of the
// controller quorum. It returns the ids of the brokers n reports as registered.
func probe(ctx context.Context, n *node) ([]int32, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.listenAddr()), kgo.DialTimeout(time.Second),
		kgo.RequestRetries(0), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	defer cl.Close()
	seeds := cl.SeedBrokers()
	if len(seeds) == 0 {
		return nil, errors.New("probe: no seed broker")
	}
	b := seeds[0]
	meta, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	ids := make([]int32, 0, len(meta.Brokers))
	for _, br := range meta.Brokers {
		ids = append(ids, br.NodeID)
	}
	q := kmsg.NewPtrDescribeQuorumRequest()
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = "__cluster_metadata"
	t.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	q.Topics = append(q.Topics, t)
	qr, err := q.RequestWith(ctx, b)
	if err != nil {
		return ids, fmt.Errorf("describe quorum: %w", err)
	}
	if err := kerr.ErrorForCode(qr.ErrorCode); err != nil {
		return ids, fmt.Errorf("describe quorum: %w", err)
	}
	if len(qr.Topics) == 0 || len(qr.Topics[0].Partitions) == 0 || qr.Topics[0].Partitions[0].LeaderID < 0 {
		return ids, errors.New("describe quorum: no controller leader yet")
	}
	return ids, nil
}

// waitReady polls until every node in which answers on its listen address, reports a
// controller leader and lists every broker in expect as registered. It is bounded by ctx
// and the cluster's start timeout; a node that exits ends the wait at once.
func (c *Cluster) waitReady(ctx context.Context, which []int) error {
	pending := slices.Clone(which)
	lastErr := map[int]error{}
	_, _, err := poll.Until(ctx, c.cfg.startTimeout, 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		expect := c.expectedIDs()
		var still []int
		for _, i := range pending {
			n, p := c.nodes[i], c.process(i)
			if p == nil || !p.Running() {
				return false, "", poll.Stop(fmt.Errorf("kafkalocal: %s exited while starting: %w: %s", n.name(), ErrNotReady, c.describe(i)))
			}
			ids, err := probe(ctx, n)
			if err == nil {
				if missing := missingIDs(expect, ids); len(missing) > 0 {
					err = fmt.Errorf("brokers %v not registered yet (registered: %v)", missing, ids)
				}
			}
			if err != nil {
				lastErr[i] = err
				still = append(still, i)
			}
		}
		pending = still
		return len(pending) == 0, fmt.Sprintf("brokers %v not ready", pending), nil
	})
	if err == nil || errors.Is(err, ErrNotReady) {
		return err
	}
	var b strings.Builder
	for _, i := range pending {
		fmt.Fprintf(&b, "\n%s did not come up (last check: %v); %s", c.nodes[i].name(), lastErr[i], c.describe(i))
	}
	return fmt.Errorf("kafkalocal: wait for brokers %v (limit %s, see StartTimeout): %w: %w%s",
		pending, c.cfg.startTimeout, ErrNotReady, err, b.String())
}

func missingIDs(expect, got []int32) []int32 {
	var missing []int32
	for _, id := range expect {
		if !slices.Contains(got, id) {
			missing = append(missing, id)
		}
	}
	return missing
}
