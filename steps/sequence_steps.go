package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/sut"
)

func registerSequenceSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the quality aggregator writes (\d+) events on (\d+) threads?$`, aggregatorWritesEvents)
	sc.Step(`^the quality aggregator writes (\d+) events on each of (\d+) threads$`, aggregatorWritesEvents)
	sc.Step(`^(\d+) records are read back from Kafka by an independent decoder$`, recordsReadBack)
	sc.Step(`^the thread's sequences are exactly 1 to (\d+) in order$`, sequencesExactly)
	sc.Step(`^a consumer has read the first (\d+) messages of a thread$`, consumerReadFirst)
	sc.Step(`^a consumer reads all (\d+) records$`, consumerReadsAll)
	sc.Step(`^the consumer reports exactly 1 gap with expected (\d+) and received (\d+)$`, exactlyOneGap)
	sc.Step(`^the consumer reports (\d+) duplicates?, (\d+) gaps? and (\d+) reorders?$`, consumerCounts)
	sc.Step(`^the consumer reports (\d+) zero-sequence violations?, (\d+) duplicates?, (\d+) gaps? and (\d+) reorders?$`, consumerCountsWithZeros)
	sc.Step(`^the consumer reports (\d+) messages? missing$`, consumerMissing)
	sc.Step(`^the consumer judged sequence (\d+) of the thread "([a-z]+)"$`, consumerJudged)
	registerSequenceFaultSteps(sc)
	registerConsumerLogSteps(sc)
}

// aggregatorWritesEvents runs dashstream-produce with the scenario's tenant (if any).
func aggregatorWritesEvents(ctx context.Context, messages, threads int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	res, err := w.runProducer(ctx, w.producerEnv(), "-topic", topic, "-threads", strconv.Itoa(threads),
		"-messages", strconv.Itoa(messages), "-thread-prefix", w.name("thread")+"-")
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("dashstream-produce exited %d: %s", res.ExitCode, proc.LastLines(res.Stderr, 5))
	}
	return nil
}

func recordsReadBack(ctx context.Context, n int) error {
	w := world(ctx)
	recs, err := w.readBack(ctx, w.topic("events"), n, 30*time.Second)
	w.records = recs
	if err != nil {
		return err
	}
	total, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	if total != int64(n) {
		return fmt.Errorf("the topic holds %d records, expected exactly %d", total, n)
	}
	for _, r := range recs {
		if r.Err != nil {
			return fmt.Errorf("record at %d/%d does not decode: %w", r.Partition, r.Offset, r.Err)
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "first header read back", recs[0].Header)
	return nil
}

func sequencesExactly(ctx context.Context, n int) error {
	if err := world(ctx).needSUT(sut.Producer, "writer-contract"); err != nil {
		return err
	}
	w := world(ctx)
	var seqs []uint64
	thread := ""
	for _, r := range w.records { // one thread: one key, one partition, offset order
		if thread == "" {
			thread = r.Header.GetThreadId()
		}
		if r.Header.GetThreadId() != thread {
			return fmt.Errorf("records of two threads read back (%s and %s), expected one", thread, r.Header.GetThreadId())
		}
		seqs = append(seqs, r.Header.GetSequence())
	}
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	if !slices.Equal(seqs, want) {
		return fmt.Errorf("thread %s: sequences %v, expected 1..%d in order", thread, abbreviate(seqs), n)
	}
	return nil
}

func consumerReadFirst(ctx context.Context, n int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	if err := w.sendEvents(ctx, n); err != nil {
		return err
	}
	svc, err := w.startConsumer(ctx, topic)
	if err != nil {
		return err
	}
	return w.consumerSeen(ctx, svc, n, 30*time.Second)
}

// consumerReadsAll runs dashstream-consume to completion over the scenario's topic.
func consumerReadsAll(ctx context.Context, n int) error {
	w := world(ctx)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	res, err := w.run(ctx, launch{role: sut.Consumer, name: "consumer"}.flag("-topic", w.topic("events")).flag("-from-start", "").
		flag("-max-records", strconv.Itoa(n)).flag("-timeout", "60s").flag("-dlq-topic", w.topic("dlq")))
	if err != nil {
		return err
	}
	v := classify(parseConsumerLines(res.Stdout + "\n" + res.Stderr))
	state[consumerFamily](w).view = &v
	state[logIDState](w).stderr = res.Stderr
	if err := v.complete(); err != nil {
		return fmt.Errorf("%w (exit %d): %s", err, res.ExitCode, proc.LastLines(res.Stderr, 5))
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "consumer summary", v.summary)
	if got := v.read(); got != n {
		return fmt.Errorf("the consumer read %d records, expected %d (exit %d)", got, n, res.ExitCode)
	}
	total, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	if total != int64(n) {
		return fmt.Errorf("the topic holds %d records: a consumer that stops at %d cannot have read them all", total, n)
	}
	return nil
}

// consumerResult returns what the scenario's consumer reported, stopping a running one.
func (w *World) consumerResult(ctx context.Context) (consumerView, error) {
	if state[consumerFamily](w).view != nil {
		return *state[consumerFamily](w).view, nil
	}
	v, err := w.stopConsumer(ctx)
	if err != nil {
		return v, err
	}
	state[consumerFamily](w).view = &v
	return v, nil
}

func exactlyOneGap(ctx context.Context, expected, received int) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	gaps := v.verdicts("gap")
	if v.summary.Gaps != 1 || len(gaps) != 1 {
		return fmt.Errorf("the consumer counted %d gaps and printed %d gap verdicts, expected exactly 1", v.summary.Gaps, len(gaps))
	}
	if g := gaps[0]; g.Expected != uint64(expected) || g.Sequence != uint64(received) {
		return fmt.Errorf("the gap was expected %d received %d, not expected %d received %d", g.Expected, g.Sequence, expected, received)
	}
	return nil
}

// consumerCounts checks the summary's counts; a scenario that names no zero-sequence
// violation requires none: the incident's own bug must stay at 0.
func consumerCounts(ctx context.Context, dups, gaps, reorders int) error {
	return consumerCountsWithZeros(ctx, 0, dups, gaps, reorders)
}

// consumerCountsWithZeros checks the summary's counts against the scenario's numbers and
// against the verdict lines the consumer printed: a count that disagrees with what was
// printed, or a missing field, fails.
func consumerCountsWithZeros(ctx context.Context, zeros, dups, gaps, reorders int) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	s := v.summary
	want := [4]uint64{uint64(zeros), uint64(dups), uint64(gaps), uint64(reorders)}
	summary := [4]uint64{s.Zeros, s.Duplicates, s.Gaps, s.Reorders}
	printed := [4]uint64{uint64(len(v.verdicts("zero"))), uint64(len(v.verdicts("duplicate"))),
		uint64(len(v.verdicts("gap"))), uint64(len(v.verdicts("reorder")))}
	if summary != want {
		return fmt.Errorf("the consumer reported %d zero-sequence violations, %d duplicates, %d gaps, %d reorders; expected %d, %d, %d, %d",
			summary[0], summary[1], summary[2], summary[3], want[0], want[1], want[2], want[3])
	}
	if printed != summary {
		return fmt.Errorf("the consumer printed %d zero, %d duplicate, %d gap and %d reorder verdicts but its summary counts %v",
			printed[0], printed[1], printed[2], printed[3], summary)
	}
	return v.metrics.expect(counterIs(metricZero, s.Zeros), counterIs(metricDuplicates, s.Duplicates),
		counterIs(metricGaps, s.Gaps), counterIs(metricReorders, s.Reorders),
		counterIs(metricReceived, uint64(len(v.records))))
}

// consumerMissing checks the sum of gap sizes in the summary and in the gap verdicts.
func consumerMissing(ctx context.Context, n int) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	var printed uint64
	for _, g := range v.verdicts("gap") {
		printed += g.Sequence - g.Expected
	}
	if v.summary.Missing != uint64(n) || printed != uint64(n) {
		return fmt.Errorf("the consumer reported %d messages missing and its gap verdicts add up to %d; expected %d", v.summary.Missing, printed, n)
	}
	return v.metrics.expect(metricWant{name: metricGapSize, value: float64(len(v.verdicts("gap"))), sum: float64(n)})
}

// consumerJudged checks the verdict of every record of the scenario's thread with
// sequence seq (there must be one).
func consumerJudged(ctx context.Context, seq int, verdict string) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	var got []string
	for _, r := range v.records {
		if r.Thread == w.thread && r.Sequence == uint64(seq) {
			got = append(got, r.Verdict)
		}
	}
	if len(got) != 1 || got[0] != verdict {
		return fmt.Errorf("the consumer judged sequence %d of thread %s %q, expected once %q", seq, w.thread, got, verdict)
	}
	return nil
}

func abbreviate(s []uint64) string {
	if len(s) <= 12 {
		return fmt.Sprint(s)
	}
	return fmt.Sprintf("%v ... %v (%d in all)", s[:6], s[len(s)-6:], len(s))
}
