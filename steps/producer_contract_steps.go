package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/sut"
)

// producerContractState is what the @producer steps remember between steps: when each
// tenant's writes started and ended, as the harness saw it.
type producerContractState struct {
	// sends holds, by tenant, the interval from just before the first write began to
	// just after the last one ended.
	sends map[string]sendInterval
}

// sendInterval is a span of harness time around writes, in microseconds since the epoch.
type sendInterval struct{ fromUs, toUs int64 }

func registerProducerContractSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the quality aggregator with TENANT_ID "([^"]*)" writes (\d+) (events|quality events) on each of (\d+) threads?$`, tenantWrites)
	sc.Step(`^the quality aggregator with TENANT_ID "([^"]*)" writes (\d+) events with (\d+) bytes of (text|random) padding on (\d+) threads?$`, tenantWritesPadded)
	sc.Step(`^a caller hands the producer (\d+) error messages whose header claims another type, tenant, sequence, message id, timestamp, schema version and compression$`, callerClaimsHeader)
	sc.Step(`^a caller hands the producer (\d+) events of exactly (\d+) bytes of compressible text$`, callerSendsExactSize)
	sc.Step(`^every record's key is its thread id$`, everyKeyIsThread)
	sc.Step(`^every record's "tenant_id" record header equals its protobuf tenant$`, everyTenantHeaderMatches)
	sc.Step(`^every message_id is a 16-byte UUID version 4$`, everyMessageIDIsV4)
	sc.Step(`^no two records share a message_id$`, messageIDsUnique)
	sc.Step(`^every timestamp_us lies within the write that sent it$`, everyTimestampWithinSend)
	sc.Step(`^every record has schema_version (\d+)$`, everySchemaVersion)
	sc.Step(`^every record's type is the kind of its payload$`, everyTypeIsPayloadKind)
	sc.Step(`^every record is a metrics payload with scope "([^"]*)"$`, everyMetricsScope)
	sc.Step(`^every record's compression field mirrors its framing$`, everyCompressionMirrors)
	sc.Step(`^the sequences of every tenant and thread are exactly 1 to (\d+) in order$`, sequencesPerTenantThread)
	sc.Step(`^the records hold (\d+) tenants on the same (\d+) thread ids$`, tenantsShareThreads)
	sc.Step(`^every record's message is (larger than|at most|exactly) (\d+) bytes$`, everyMessageSize)
	sc.Step(`^every record read back is (plain|zstd)-framed$`, everyRecordFramed)
}

// timedWrite runs fn and widens the tenant's send interval to cover it.
func timedWrite(w *World, tenant string, fn func() error) error {
	s := state[producerContractState](w)
	from := time.Now().UnixMicro()
	err := fn()
	to := time.Now().UnixMicro() + 1
	if s.sends == nil {
		s.sends = map[string]sendInterval{}
	}
	iv, ok := s.sends[tenant]
	if !ok || from < iv.fromUs {
		iv.fromUs = from
	}
	iv.toUs = max(iv.toUs, to)
	s.sends[tenant] = iv
	w.rec.Evidence(evidence.During, evidence.KindNote, "write interval of tenant "+tenant, map[string]any{
		"from": time.UnixMicro(from).UTC().Format(time.RFC3339Nano), "to": time.UnixMicro(to).UTC().Format(time.RFC3339Nano)})
	return err
}

// runTenantProducer runs dashstream-produce under tenant with args on the scenario's
// topic for logical, and fails unless it exits 0.
func runTenantProducer(ctx context.Context, tenant, logical string, args ...string) error {
	w := world(ctx)
	if err := w.needSUT(sut.Aggregator, "writer-contract"); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, logical)
	if err != nil {
		return err
	}
	args = append([]string{"-topic", topic, "-thread-prefix", w.name("thread") + "-"}, args...)
	return timedWrite(w, tenant, func() error {
		res, err := w.runProducer(ctx, map[string]string{"TENANT_ID": tenant}, args...)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("dashstream-produce (tenant %s) exited %d: %s", tenant, res.ExitCode, proc.LastLines(res.Stderr, 5))
		}
		return nil
	})
}

func tenantWrites(ctx context.Context, tenant string, messages int, what string, threads int) error {
	logical, kind := "events", "event"
	if what == "quality events" {
		logical, kind = "quality", "quality"
	}
	return runTenantProducer(ctx, tenant, logical, "-kind", kind,
		"-threads", strconv.Itoa(threads), "-messages", strconv.Itoa(messages))
}

func tenantWritesPadded(ctx context.Context, tenant string, messages, size int, padding string, threads int) error {
	return runTenantProducer(ctx, tenant, "events", "-threads", strconv.Itoa(threads), "-messages", strconv.Itoa(messages),
		"-payload-size", strconv.Itoa(size), "-padding", padding)
}

// callerClaimsHeader sends Error messages whose header a caller filled with claims the
// producer must overwrite. It uses the reference producer in-process: dashstream-produce
// builds its own messages without a header, so it cannot hand the producer a lying one.
func callerClaimsHeader(ctx context.Context, n int) error {
	if err := world(ctx).needSUT(sut.Producer, "writer-contract"); err != nil {
		return err
	}
	w := world(ctx)
	if _, err := w.ensureTopic(ctx, "events"); err != nil {
		return err
	}
	p, err := w.libraryProducer(ctx)
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	claimed := func() *dspb.Header {
		return &dspb.Header{MessageId: []byte("0123456789abcdef"), TimestampUs: 1, TenantId: "intruder", ThreadId: "elsewhere",
			Sequence: 99, Type: dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: 7,
			Compression: dspb.CompressionType_COMPRESSION_TYPE_ZSTD}
	}
	w.rec.Evidence(evidence.Before, evidence.KindHeaders, "header the caller claims", claimed())
	return timedWrite(w, p.Tenant(), func() error {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for i := range n {
			msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Error{Error: &dspb.Error{
				Header: claimed(), ErrorCode: "CLAIMS", Message: "a caller filled the header"}}}
			if _, err := p.Send(sctx, w.thread, msg); err != nil {
				return fmt.Errorf("send message %d of %d: %w", i+1, n, err)
			}
		}
		return nil
	})
}

// callerSendsExactSize sends n events whose marshalled size, with the header the producer
// will stamp, is exactly size bytes: the compression threshold is judged at its edge. It
// uses the reference producer in-process, because only there can the harness size a
// message to the byte; the sizes are checked again on the records read back.
func callerSendsExactSize(ctx context.Context, n, size int) error {
	if err := world(ctx).needSUT(sut.Producer, "writer-contract"); err != nil {
		return err
	}
	w := world(ctx)
	if _, err := w.ensureTopic(ctx, "events"); err != nil {
		return err
	}
	p, err := w.libraryProducer(ctx)
	if err != nil {
		return err
	}
	if w.thread == "" {
		w.thread = w.name("thread")
	}
	if n > 127 {
		return fmt.Errorf("at most 127 events: a larger sequence number would change the size")
	}
	// A stand-in for the header the producer stamps: every field has the length it
	// will have (a 16-byte id, a current timestamp, a one-byte sequence).
	stand := &dspb.Header{MessageId: make([]byte, 16), TimestampUs: time.Now().UnixMicro(), TenantId: p.Tenant(),
		ThreadId: w.thread, Sequence: 1, Type: dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: 1}
	event := func(pad int, h *dspb.Header) *dspb.DashStreamMessage {
		return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header: h, EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "threshold",
			Attributes: map[string]*dspb.AttributeValue{"padding": {Value: &dspb.AttributeValue_StringValue{
				StringValue: strings.Repeat("threshold-padding-", pad/18+1)[:pad]}}},
		}}}
	}
	pad := -1
	for l := range size {
		if proto.Size(event(l, stand)) == size {
			pad = l
			break
		}
	}
	if pad < 0 {
		return fmt.Errorf("no padding makes an event of exactly %d bytes", size)
	}
	return timedWrite(w, p.Tenant(), func() error {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for i := range n {
			if _, err := p.Send(sctx, w.thread, event(pad, nil)); err != nil {
				return fmt.Errorf("send event %d of %d: %w", i+1, n, err)
			}
		}
		return nil
	})
}
