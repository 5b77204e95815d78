package wsload

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// maxInFlight bounds the unacknowledged sends of one tenant's producer; a tick that finds
// it full is skipped and counted, so a stalled broker cannot grow the harness's memory.
const maxInFlight = 256

// tenantLoad writes one tenant's messages at a steady rate and records what was acked.
type tenantLoad struct {
	tenant  string
	threads int
	p       *producer.Producer

	sem     chan struct{}
	sent    atomic.Int64
	skipped atomic.Int64
	errors  atomic.Int64

	mu    sync.Mutex
	acked map[string][]uint64 // thread → acknowledged sequences
	nAck  int64
}

func newTenantLoad(brokers []string, topic, tenant string, threads int) (*tenantLoad, error) {
	p, err := producer.New(producer.Brokers(brokers...), producer.Tenant(tenant), producer.Topic(topic),
		producer.ClientOpts(kgo.ProducerLinger(0)))
	if err != nil {
		return nil, fmt.Errorf("producer %s: %w", tenant, err)
	}
	return &tenantLoad{tenant: tenant, threads: threads, p: p, sem: make(chan struct{}, maxInFlight),
		acked: map[string][]uint64{}}, nil
}

// run sends one message every 1/rate s until ctx ends, round-robin over the threads.
func (l *tenantLoad) run(ctx context.Context, rate float64) {
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		select {
		case l.sem <- struct{}{}:
		default:
			l.skipped.Add(1)
			continue
		}
		thread := fmt.Sprintf("%s-t%d", l.tenant, i%l.threads)
		l.sent.Add(1)
		// Not ctx: a send must not be abandoned when the window closes; Flush bounds it.
		l.p.SendAsync(context.Background(), thread, message(i), func(a producer.Ack, err error) {
			defer func() { <-l.sem }()
			if err != nil {
				l.errors.Add(1)
				return
			}
			l.mu.Lock()
			l.acked[a.Thread] = append(l.acked[a.Thread], a.Sequence)
			l.nAck++
			l.mu.Unlock()
		})
	}
}

// snapshot returns a copy of the acknowledged sequences and their count.
func (l *tenantLoad) snapshot() (map[string][]uint64, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string][]uint64, len(l.acked))
	for k, v := range l.acked {
		out[k] = append([]uint64(nil), v...)
	}
	return out, l.nAck
}

func message(n int) *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		EventType: dspb.EventType_EVENT_TYPE_NODE_START,
		NodeId:    fmt.Sprintf("node-%d", n%10),
		Attributes: map[string]*dspb.AttributeValue{
			"n": {Value: &dspb.AttributeValue_IntValue{IntValue: int64(n)}},
		},
	}}}
}
