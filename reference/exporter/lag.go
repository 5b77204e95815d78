package exporter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

type tp struct {
	topic     string
	partition int32
}

// offsets tracks the exporter's next offset per partition: one past the last record it
// handled, decodable or not. Written by the poll loop, read by the lag loop.
type offsets struct {
	mu   sync.Mutex
	next map[tp]int64
}

func (o *offsets) handled(topic string, partition int32, offset int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.next == nil {
		o.next = map[tp]int64{}
	}
	k := tp{topic, partition}
	o.next[k] = max(o.next[k], offset+1)
}

func (o *offsets) get(topic string, partition int32) (int64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := o.next[tp{topic, partition}]
	return n, ok
}

// updateLag lists start and end offsets of the topics and sets the lag gauge of every
// partition: high watermark - max(next offset, log start offset). Partitions never
// consumed count from the log start (where consumption starts) unless consuming with a
// group, where only partitions this member handled are reported.
func (e *Exporter) updateLag(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, max(e.cfg.lagInterval, 5*time.Second))
	defer cancel()
	ends, err := e.adm.ListEndOffsets(ctx, e.cfg.topics...)
	if err != nil {
		return err
	}
	starts, err := e.adm.ListStartOffsets(ctx, e.cfg.topics...)
	if err != nil {
		return err
	}
	ends.Each(func(end kadm.ListedOffset) {
		if end.Err != nil || end.Partition < 0 {
			return
		}
		next, ok := e.offsets.get(end.Topic, end.Partition)
		if !ok && e.cfg.group != "" {
			return
		}
		if start, found := starts.Lookup(end.Topic, end.Partition); found && start.Err == nil {
			next = max(next, start.Offset)
		}
		e.m.lag.WithLabelValues(e.cfg.group, end.Topic, strconv.Itoa(int(end.Partition))).Set(float64(max(end.Offset-next, 0)))
	})
	return e.updateGroupLag(ctx)
}

// updateGroupLag sets the lag gauge of every partition the watched groups (LagGroups)
// committed or were assigned: high watermark minus the committed offset. A group that
// does not exist (any more) loses its series; a partition whose lag cannot be computed
// keeps its last value and makes the update fail.
func (e *Exporter) updateGroupLag(ctx context.Context) error {
	if len(e.cfg.lagGroups) == 0 {
		return nil
	}
	lags, err := e.adm.Lag(ctx, e.cfg.lagGroups...)
	if err != nil {
		return fmt.Errorf("group lag: %w", err)
	}
	var errs []error
	lags.Each(func(g kadm.DescribedGroupLag) {
		err := g.Error()
		if g.State == "Dead" || errors.Is(err, kerr.GroupIDNotFound) { // no such group (any more)
			e.m.lag.DeletePartialMatch(prometheus.Labels{"group": g.Group})
			return
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("group %s: %w", g.Group, err))
			return
		}
		for _, l := range g.Lag.Sorted() {
			if l.Err != nil || l.Lag < 0 {
				errs = append(errs, fmt.Errorf("group %s %s/%d: %v", g.Group, l.Topic, l.Partition, l.Err))
				continue
			}
			e.m.lag.WithLabelValues(g.Group, l.Topic, strconv.Itoa(int(l.Partition))).Set(float64(l.Lag))
		}
	})
	return errors.Join(errs...)
}

// lagLoop updates the lag every lag interval until ctx ends. It lists nothing before a
// broker has answered (the consumer's own metadata requests find out when), and after a
// failure it waits the Guard's backoff for its run of failures, so it never adds
// connection attempts of its own to an outage. Failures are logged through the dedup
// handler.
func (e *Exporter) lagLoop(ctx context.Context) {
	failures := 0
	for {
		wait := e.cfg.lagInterval
		if e.guard.Answered() {
			if err := e.updateLag(ctx); err != nil && ctx.Err() == nil {
				failures++
				wait = max(wait, e.guard.Backoff(failures))
				e.klog.Warn("consumer lag not updated", "error", err.Error())
			} else {
				failures = 0
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
