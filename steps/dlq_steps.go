package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
)

// dlqNames are the implementation's names of the headers it puts first on every
// dead-letter record, in the contract's order: reason, error, source topic, partition
// and offset (the SUT profile's dlq.headers).
type dlqNames struct {
	reason, error, sourceTopic, sourcePartition, sourceOffset string
}

func (d dlqNames) ordered() []string {
	return []string{d.reason, d.error, d.sourceTopic, d.sourcePartition, d.sourceOffset}
}

// dlqHeaders reads the header names from the scenario's SUT profile; an implementation
// that lacks one skips the scenario.
func (w *World) dlqHeaders() (dlqNames, error) {
	var d dlqNames
	for _, h := range []struct {
		contract string
		to       *string
	}{{"reason", &d.reason}, {"error", &d.error}, {"source_topic", &d.sourceTopic},
		{"source_partition", &d.sourcePartition}, {"source_offset", &d.sourceOffset}} {
		name, err := w.sut.DLQHeader(h.contract)
		if err != nil {
			return d, w.lacking(err)
		}
		*h.to = name
	}
	return d, nil
}

func registerDLQSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the dead-letter topic holds (\d+) records? with reason "([^"]*)"$`, deadLetters)
	sc.Step(`^the dead-letter topic accepts records of at most (\d+) bytes$`, smallDLQ)
	sc.Step(`^the consumer counts (\d+) failed dead-letter cop(?:y|ies) and logs each$`, dlqFailures)
}

// smallDLQ creates the scenario's dead-letter topic with max.message.bytes n, before the
// consumer would create it, so that copies larger than n fail.
func smallDLQ(ctx context.Context, n int) error {
	w := world(ctx)
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	limit := strconv.Itoa(n)
	rf := int16(min(3, len(w.stack.Kafka().Brokers())))
	resp, err := adm.CreateTopic(ctx, 1, rf, map[string]*string{"max.message.bytes": &limit}, w.topic("dlq"))
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create the dead-letter topic %s with max.message.bytes %d: %w", w.topic("dlq"), n, err)
	}
	return nil
}

// dlqFailures requires n failed copies to the dead-letter topic, none counted as done, in
// the consumer's metrics and its summary, each logged as an error, and the topic empty.
func dlqFailures(ctx context.Context, n int) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	var logged int
	for _, l := range v.errors {
		if l.Msg == "dead-letter copy failed" {
			logged++
		}
	}
	if logged != n {
		return fmt.Errorf("%d errors \"dead-letter copy failed\" logged, expected %d", logged, n)
	}
	if v.summary.DLQRecords != 0 {
		return fmt.Errorf("the consumer says it copied %d records to the dead-letter topic, expected none", v.summary.DLQRecords)
	}
	if v.summary.DLQFailures != uint64(n) {
		return fmt.Errorf("the consumer's summary shows %d failed dead-letter copies (dlq_failures), expected %d", v.summary.DLQFailures, n)
	}
	if err := v.metrics.expect(counterIs(metricDLQFailures, uint64(n)), counterIs(metricDLQRecords, 0)); err != nil {
		return err
	}
	held, err := readSettled(ctx, w, w.topic("dlq"), 0, 20*time.Second)
	if err != nil {
		return err
	}
	if len(held) != 0 {
		return fmt.Errorf("the dead-letter topic holds %d records, expected none: every copy failed", len(held))
	}
	return nil
}

// deadLetters reads the scenario's dead-letter topic until a settle period passes with
// nothing new, requires exactly n records, and checks each against the record it copies:
// the reason, a decode error, the source topic, partition and offset, and the original
// key, value and headers, each source record copied once.
func deadLetters(ctx context.Context, n int, reason string) error {
	w := world(ctx)
	hd, err := w.dlqHeaders()
	if err != nil {
		return err
	}
	dlq, err := readSettled(ctx, w, w.topic("dlq"), n, 20*time.Second)
	if err != nil {
		return err
	}
	reasons := map[string]int{}
	for _, r := range dlq {
		reasons[headerValue(r, hd.reason)]++
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "dead-letter reasons", reasons)
	if len(dlq) != n {
		return fmt.Errorf("the dead-letter topic holds %d records once nothing more arrived for %s (reasons %v), expected exactly %d",
			len(dlq), consumerSettle, reasons, n)
	}
	if reasons[reason] != n || len(reasons) != 1 {
		return fmt.Errorf("dead-letter reasons %v, expected %d × %q", reasons, n, reason)
	}
	// What the scenario's consumer says must agree with the topic; a scenario whose copies
	// come from another service (the exporter) checks that service's counts in its own steps.
	if _, ran := w.services["consumer"]; ran || state[consumerFamily](w).view != nil {
		v, err := w.consumerResult(ctx)
		if err != nil {
			return err
		}
		if v.summary.DLQRecords != uint64(n) || v.summary.DLQFailures != 0 {
			return fmt.Errorf("the consumer says it copied %d records to the dead-letter topic, which holds %d, and that %d copies failed",
				v.summary.DLQRecords, n, v.summary.DLQFailures)
		}
		if err := v.metrics.expect(counterIs(metricDLQRecords, uint64(n)), counterIs(metricDLQFailures, 0)); err != nil {
			return err
		}
	}
	events := w.topic("events")
	source, err := readSettled(ctx, w, events, 0, 20*time.Second)
	if err != nil {
		return err
	}
	byOffset := map[[2]int64]*kgo.Record{}
	for _, r := range source {
		byOffset[[2]int64{int64(r.Partition), r.Offset}] = r
	}
	copied := map[[2]int64]bool{}
	for i, r := range dlq {
		if err := checkDLQRecord(r, hd, events, byOffset, copied); err != nil {
			return fmt.Errorf("dead-letter record %d (offset %d): %w", i+1, r.Offset, err)
		}
	}
	return nil
}

func checkDLQRecord(r *kgo.Record, hd dlqNames, events string, source map[[2]int64]*kgo.Record, copied map[[2]int64]bool) error {
	dlqHeaders := hd.ordered()
	if len(r.Headers) < len(dlqHeaders) {
		return fmt.Errorf("%d headers, fewer than the %d the consumer promises (%v)", len(r.Headers), len(dlqHeaders), dlqHeaders)
	}
	for i, k := range dlqHeaders {
		if r.Headers[i].Key != k {
			return fmt.Errorf("header %d is %q, expected %q (headers %v)", i+1, r.Headers[i].Key, k, headerKeys(r))
		}
	}
	if headerValue(r, hd.error) == "" {
		return fmt.Errorf("header %s is empty: the decode error is not named", hd.error)
	}
	if t := headerValue(r, hd.sourceTopic); t != events {
		return fmt.Errorf("header %s is %q, expected %q", hd.sourceTopic, t, events)
	}
	p, errP := strconv.ParseInt(headerValue(r, hd.sourcePartition), 10, 32)
	o, errO := strconv.ParseInt(headerValue(r, hd.sourceOffset), 10, 64)
	if errP != nil || errO != nil {
		return fmt.Errorf("source partition %q or offset %q is not a decimal number", headerValue(r, hd.sourcePartition),
			headerValue(r, hd.sourceOffset))
	}
	at := [2]int64{p, o}
	orig, ok := source[at]
	if !ok {
		return fmt.Errorf("source %s/%d@%d does not exist", events, p, o)
	}
	if copied[at] {
		return fmt.Errorf("source %s/%d@%d was copied twice", events, p, o)
	}
	copied[at] = true
	if string(orig.Key) != string(r.Key) || string(orig.Value) != string(r.Value) {
		return fmt.Errorf("key or value differ from the source record %s/%d@%d (%d bytes against %d)", events, p, o, len(r.Value), len(orig.Value))
	}
	if !slices.EqualFunc(orig.Headers, r.Headers[len(hd.ordered()):], func(a, b kgo.RecordHeader) bool {
		return a.Key == b.Key && string(a.Value) == string(b.Value)
	}) {
		return fmt.Errorf("the source record's headers %v are not carried after the DLQ headers %v", orig.Headers, r.Headers)
	}
	return nil
}

func headerValue(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func headerKeys(r *kgo.Record) []string {
	var keys []string
	for _, h := range r.Headers {
		keys = append(keys, h.Key)
	}
	return keys
}
