package steps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// The audit regressions (features/audit_regressions.feature): each scenario closes a hole
// the gate had for a defect from the original system's audit history. These steps judge
// from outside: records written and read by the harness's own Kafka clients, the
// exporter's /metrics read series by series (a missing series fails, it is never 0), and
// /health read field by field.
func registerAuditSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the exporter consumes the scenario's (events|quality) topic$`, exporterConsumes)
	sc.Step(`^an independent client writes a thread with sequences (\d+) to (\d+) and (\d+) to (\d+)$`, independentWritesSequences)
	sc.Step(`^an independent client writes (\d+) events without a timestamp$`, independentWritesUnstamped)
	sc.Step(`^the quality aggregators of tenants "([^"]*)" and "([^"]*)" write (\d+) events each on the same thread names$`, tenantsShareThreadNames)
	sc.Step(`^the (\d+) dead-lettered records are exact copies of the records their headers name$`, deadLettersAreCopies)
	sc.Step(`^the exporter's "([^"]*)" is (\d+) within (\d+) seconds$`, exporterSeriesSum)
	sc.Step(`^the exporter's "([^"]*)" for reason "([^"]*)" is (\d+) within (\d+) seconds$`, exporterReasonSeries)
	sc.Step(`^the exporter's gap-size histogram holds (\d+) gaps? of (\d+) missing messages in all$`, exporterGapSizes)
	sc.Step(`^the exporter's consumer lag on the scenario's topic reads 0 on every partition for 3 seconds, within (\d+) seconds$`, exporterLagZero)
	sc.Step(`^the exporter shows "([^"]*)" = (\d+) for tenant "([^"]*)" on each of the (\d+) threads$`, exporterQualitySeries)
	sc.Step(`^the exporter keeps exactly (\d+) quality series and counts (\d+) evicted$`, exporterSeriesCap)
	sc.Step(`^the consumer's group has committed every record within (\d+) seconds$`, groupCommittedAll)
	registerAuditHealthSteps(sc)
}

// groupCommittedAll waits until the scenario consumer's group has committed up to the end
// of every partition that holds records, as the broker reports it, not as the consumer says.
func groupCommittedAll(ctx context.Context, seconds int) error {
	return world(ctx).groupLagReachesZero(ctx, seconds)
}

// exporterConsumes starts the exporter on one of the scenario's topics, its lag refreshed
// every second, and waits for /readyz.
func exporterConsumes(ctx context.Context, logical string) error {
	w := world(ctx)
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, logical)
	if err != nil {
		return err
	}
	svc, err := w.start(ctx, launch{role: sut.Exporter, name: "exporter", listen: true,
		env: map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq"), "LAG_INTERVAL": "1s"}})
	if err != nil {
		return err
	}
	return w.eventually(ctx, "the exporter to be ready", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), w.sut.ReadyPath(sut.Exporter))
		return code == 200, fmt.Sprintf("/readyz %d", code), err
	})
}

// tenantsShareThreadNames runs the quality aggregator once per tenant with the same
// thread prefix: two tenants, the same thread ids, one topic.
func tenantsShareThreadNames(ctx context.Context, a, b string, n int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	for _, tenant := range []string{a, b} {
		res, err := w.runProducer(ctx, map[string]string{"TENANT_ID": tenant}, "-topic", topic, "-threads", "1",
			"-messages", strconv.Itoa(n), "-thread-prefix", w.name("thread")+"-")
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("dashstream-produce for %s exited %d: %s", tenant, res.ExitCode, proc.LastLines(res.Stderr, 5))
		}
	}
	return nil
}

// deadLettersAreCopies reads the whole dead-letter topic (n records, then a quiet second
// to see there is no more) and, for each, the record its source headers name, read from
// the source topic at that exact offset: key and value must be the same bytes.
func deadLettersAreCopies(ctx context.Context, n int) error {
	w := world(ctx)
	hd, err := w.dlqHeaders()
	if err != nil {
		return err
	}
	dlq, err := readAll(ctx, w, w.topic("dlq"), n)
	if err != nil {
		return err
	}
	var checked []map[string]any
	for _, r := range dlq {
		src, err := sourceOf(r, hd)
		if err != nil {
			return err
		}
		if src.topic != w.topic("events") {
			return fmt.Errorf("dead-lettered record %d names source_topic %q, expected %q", r.Offset, src.topic, w.topic("events"))
		}
		orig, err := recordAt(ctx, w, src)
		if err != nil {
			return fmt.Errorf("dead-lettered record %d: %w", r.Offset, err)
		}
		if !bytes.Equal(orig.Value, r.Value) {
			return fmt.Errorf("dead-lettered record %d is not a copy of %s/%d@%d: value %d bytes, source %d bytes (first bytes %x vs %x)",
				r.Offset, src.topic, src.partition, src.offset, len(r.Value), len(orig.Value), head(r.Value), head(orig.Value))
		}
		if !bytes.Equal(orig.Key, r.Key) {
			return fmt.Errorf("dead-lettered record %d has key %q, its source %s/%d@%d has key %q",
				r.Offset, r.Key, src.topic, src.partition, src.offset, orig.Key)
		}
		checked = append(checked, map[string]any{"dlq_offset": r.Offset, "source_partition": src.partition,
			"source_offset": src.offset, "bytes": len(r.Value)})
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "dead-lettered records matched to their sources", checked)
	return nil
}

type source struct {
	topic     string
	partition int32
	offset    int64
}

func sourceOf(r *kgo.Record, hd dlqNames) (source, error) {
	hs := map[string]string{}
	for _, h := range r.Headers {
		if _, dup := hs[h.Key]; !dup {
			hs[h.Key] = string(h.Value)
		}
	}
	var s source
	for _, k := range []string{hd.sourceTopic, hd.sourcePartition, hd.sourceOffset} {
		if _, ok := hs[k]; !ok {
			return s, fmt.Errorf("dead-lettered record %d has no %s header (headers %v)", r.Offset, k, hs)
		}
	}
	p, err := strconv.ParseInt(hs[hd.sourcePartition], 10, 32)
	if err != nil {
		return s, fmt.Errorf("dead-lettered record %d: source_partition %q: %w", r.Offset, hs[hd.sourcePartition], err)
	}
	o, err := strconv.ParseInt(hs[hd.sourceOffset], 10, 64)
	if err != nil {
		return s, fmt.Errorf("dead-lettered record %d: source_offset %q: %w", r.Offset, hs[hd.sourceOffset], err)
	}
	return source{hs[hd.sourceTopic], int32(p), o}, nil
}

// readAll reads topic from its start until n records arrived, then one more second to
// prove there are no more.
func readAll(ctx context.Context, w *World, topic string, n int) ([]*kgo.Record, error) {
	cl, err := w.stack.Kafka().Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []*kgo.Record
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for len(out) < n {
		fs := cl.PollFetches(rctx)
		if rctx.Err() != nil {
			return out, fmt.Errorf("%s holds %d records, expected %d", topic, len(out), n)
		}
		out = append(out, fs.Records()...)
	}
	sctx, scancel := context.WithTimeout(ctx, time.Second)
	defer scancel()
	out = append(out, cl.PollFetches(sctx).Records()...)
	if len(out) != n {
		return out, fmt.Errorf("%s holds %d records, expected exactly %d", topic, len(out), n)
	}
	return out, nil
}

// recordAt reads the one record at s.
func recordAt(ctx context.Context, w *World, s source) (*kgo.Record, error) {
	cl, err := w.stack.Kafka().Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		s.topic: {s.partition: kgo.NewOffset().At(s.offset)}}))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(rctx)
		if rctx.Err() != nil {
			return nil, fmt.Errorf("no record at %s/%d@%d within 5 s", s.topic, s.partition, s.offset)
		}
		for _, r := range fs.Records() {
			if r.Offset == s.offset {
				return r, nil
			}
			return nil, fmt.Errorf("no record at %s/%d@%d: the next one is at %d", s.topic, s.partition, s.offset, r.Offset)
		}
	}
}

func head(b []byte) []byte { return b[:min(len(b), 8)] }

var errNoSeries = errors.New("no such series")
