package consumer

import (
	"context"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/sequence"
	"github.com/dashstream/acceptance/reference/wire"
)

// DLQ record headers, set before the original record's own headers.
const (
	HeaderDLQReason       = "dlq_reason"
	HeaderDLQError        = "dlq_error"
	HeaderSourceTopic     = "source_topic"
	HeaderSourcePartition = "source_partition"
	HeaderSourceOffset    = "source_offset"
)

// handle validates and reports one record, given what decoding its value gave; it runs
// on the poll loop.
func (c *Consumer) handle(ctx context.Context, r *kgo.Record, polledAt time.Time, d decoded) {
	defer c.cl.MarkCommitRecords(r) // no-op without a group
	msg, err := d.msg, d.err
	if err != nil {
		c.decodeFailed(ctx, r, err)
		return
	}
	h := wire.HeaderOf(msg)
	res := c.val.Observe(h.GetTenantId(), h.GetThreadId(), h.GetSequence())
	c.m.received.Inc()
	c.mu.Lock()
	c.stats.Received++
	switch res.Verdict {
	case sequence.Gap:
		c.stats.Gaps++
		c.stats.Missing += res.GapSize()
	case sequence.Duplicate:
		c.stats.Duplicates++
	case sequence.Reorder:
		c.stats.Reorders++
	case sequence.Zero:
		c.stats.Zeros++
	}
	c.mu.Unlock()
	switch res.Verdict {
	case sequence.Gap:
		c.m.gaps.Inc()
		c.m.gapSize.Observe(float64(res.GapSize()))
		c.anomaly(ctx, "sequence gap", r, h.GetTenantId(), h.GetThreadId(), res, "gap_size", res.GapSize())
	case sequence.Duplicate:
		c.m.duplicates.Inc()
		c.anomaly(ctx, "sequence duplicate", r, h.GetTenantId(), h.GetThreadId(), res)
	case sequence.Reorder:
		c.m.reorders.Inc()
		c.anomaly(ctx, "sequence reorder", r, h.GetTenantId(), h.GetThreadId(), res)
	case sequence.Zero:
		c.m.zero.Inc()
		c.anomaly(ctx, "sequence zero", r, h.GetTenantId(), h.GetThreadId(), res)
	}
	if c.cfg.onRecord != nil {
		c.cfg.onRecord(ctx, Record{
			Message: msg, Header: h, Result: res,
			Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
			Timestamp: r.Timestamp, ReceivedAt: polledAt,
		})
	}
}

func (c *Consumer) anomaly(ctx context.Context, what string, r *kgo.Record, tenant, thread string, res sequence.Result, extra ...any) {
	args := append([]any{"tenant", wire.CutID(tenant), "thread", wire.CutID(thread), "expected", res.Expected, "received", res.Received,
		"topic", r.Topic, "partition", r.Partition, "offset", r.Offset}, extra...)
	c.cfg.log.WarnContext(ctx, what, args...)
}

// decodeFailed counts, logs and dead-letters an undecodable record.
func (c *Consumer) decodeFailed(ctx context.Context, r *kgo.Record, err error) {
	reason := wire.ReasonOf(err)
	if reason == "" {
		reason = wire.ReasonProtobuf
	}
	c.m.decodeFailures.WithLabelValues(reason).Inc()
	c.mu.Lock()
	c.stats.DecodeFailures[reason]++
	c.mu.Unlock()
	c.cfg.log.WarnContext(ctx, "undecodable record", "reason", reason, "error", err.Error(),
		"topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "bytes", len(r.Value))
	if c.cfg.dlq != "" {
		c.deadLetter(ctx, r, reason, err)
	}
	if c.cfg.onDecodeError != nil {
		c.cfg.onDecodeError(ctx, r, err)
	}
}

// deadLetter copies r to the DLQ topic and waits for the acknowledgement, at most the
// DLQ timeout, even when ctx has ended (so a shutdown does not drop the copy).
func (c *Consumer) deadLetter(ctx context.Context, r *kgo.Record, reason string, cause error) {
	headers := append([]kgo.RecordHeader{
		{Key: HeaderDLQReason, Value: []byte(reason)},
		{Key: HeaderDLQError, Value: []byte(cause.Error())},
		{Key: HeaderSourceTopic, Value: []byte(r.Topic)},
		{Key: HeaderSourcePartition, Value: []byte(strconv.FormatInt(int64(r.Partition), 10))},
		{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(r.Offset, 10))},
	}, r.Headers...)
	dlq := &kgo.Record{Topic: c.cfg.dlq, Key: r.Key, Value: r.Value, Headers: headers}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.dlqTimeout)
	defer cancel()
	if err := c.cl.ProduceSync(wctx, dlq).FirstErr(); err != nil {
		c.m.dlqFailures.Inc()
		c.mu.Lock()
		c.stats.DLQFailures++
		c.mu.Unlock()
		c.cfg.log.ErrorContext(ctx, "dead-letter copy failed", "dlq_topic", c.cfg.dlq, "topic", r.Topic,
			"partition", r.Partition, "offset", r.Offset, "error", err)
		return
	}
	c.m.dlqRecords.Inc()
	c.mu.Lock()
	c.stats.DLQRecords++
	c.mu.Unlock()
}
