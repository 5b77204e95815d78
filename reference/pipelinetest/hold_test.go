package pipelinetest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchHold makes a consumer fall behind at the broker: every fetch of a partition from
// an offset at or above a threshold is held by the kfake cluster until release, then
// handled as usual. Unlike pausing the client, it leaves no fetch in flight that could
// be answered with records written meanwhile.
type fetchHold struct {
	held     chan struct{} // closed when the first fetch is held
	heldOnce sync.Once
	released chan struct{}
	relOnce  sync.Once
}

// holdFetchesFrom installs the hold on c for partition (of any topic) from offset from.
// It is released when the test ends at the latest.
func holdFetchesFrom(c *kfake.Cluster, partition int32, from int64) *fetchHold {
	h := &fetchHold{held: make(chan struct{}), released: make(chan struct{})}
	c.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		select {
		case <-h.released:
			return nil, nil, false
		default:
		}
		for _, t := range req.(*kmsg.FetchRequest).Topics {
			for _, p := range t.Partitions {
				if p.Partition == partition && p.FetchOffset >= from {
					h.heldOnce.Do(func() { close(h.held) })
					c.SleepControl(func() { <-h.released })
					return nil, nil, false
				}
			}
		}
		return nil, nil, false
	})
	return h
}

// waitHeld fails the test unless a fetch is held within timeout.
func (h *fetchHold) waitHeld(t *testing.T, timeout time.Duration) {
	t.Helper()
	t.Cleanup(h.release)
	select {
	case <-h.held:
	case <-time.After(timeout):
		require.FailNow(t, "no fetch reached the held offset", "within %s", timeout)
	}
}

// release lets the held fetches and every later one through. Safe to call twice.
func (h *fetchHold) release() { h.relOnce.Do(func() { close(h.released) }) }
