package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

func registerSequenceSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the quality aggregator writes (\d+) events on (\d+) threads?$`, aggregatorWritesEvents)
	sc.Step(`^the quality aggregator writes (\d+) events on each of (\d+) threads$`, aggregatorWritesEvents)
	sc.Step(`^(\d+) records are read back from Kafka by an independent decoder$`, recordsReadBack)
	sc.Step(`^the thread's sequences are exactly 1 to (\d+) in order$`, sequencesExactly)
	sc.Step(`^a consumer has read the first (\d+) messages of a thread$`, consumerReadFirst)
	sc.Step(`^the consumer falls behind while (\d+) more messages are written$`, consumerFallsBehind)
	sc.Step(`^messages up to (\d+) are deleted before the consumer reads them$`, deleteUpTo)
	sc.Step(`^the consumer catches up with (\d+) more records?$`, consumerCatchesUp)
	sc.Step(`^the consumer resumes and its group's lag falls to 0 within (\d+) seconds$`, consumerResumes)
	sc.Step(`^record (\d+) of the thread is replayed by an independent client$`, replayRecord)
	sc.Step(`^a consumer reads all (\d+) records$`, consumerReadsAll)
	sc.Step(`^the consumer reports exactly 1 gap with expected (\d+) and received (\d+)$`, exactlyOneGap)
	sc.Step(`^the consumer logs the gap with the thread, expected (\d+) and received (\d+)$`, gapLogged)
	sc.Step(`^the consumer reports (\d+) duplicates?, (\d+) gaps? and (\d+) reorders?$`, consumerCounts)
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
		return fmt.Errorf("dashstream-produce exited %d: %s", res.ExitCode, tailLines(res.Stderr, 5))
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

func consumerFallsBehind(ctx context.Context, n int) error {
	w := world(ctx)
	svc := w.services["consumer"]
	if err := svc.Pause(ctx); err != nil {
		return err
	}
	w.onCleanup("resume consumer", svc.Resume)
	w.rec.Mark(evidence.EventNote, "consumer paused", "the consumer process is frozen (SIGSTOP) and falls behind")
	// Let the broker answer the fetch the consumer left open (empty) before new records
	// exist; otherwise the records below would reach its socket and be read on resume.
	time.Sleep(3 * consumerFetchMaxWait)
	at, err := w.sendEventsTimed(ctx, w.topic("events"), n)
	if err != nil {
		return err
	}
	// The consumer group's lag passes ConsumerLagHigh's threshold with this record at the
	// latest (earlier if the records already read were never committed): the alert's onset.
	if i := lagThreshold - w.consumed; i >= 0 && i < len(at) {
		w.onset = at[i]
	}
	return nil
}

// lagThreshold is ConsumerLagHigh's threshold in the production rules (records of lag
// summed over a topic's partitions).
const lagThreshold = 1000

// deleteUpTo deletes every record of the thread's partition up to and including the
// message with sequence k, as retention deletes data a slow consumer has not read.
func deleteUpTo(ctx context.Context, k int) error {
	w := world(ctx)
	if err := w.need(stack.DeleteRecords); err != nil {
		return err
	}
	ack, ok := w.acks[uint64(k+1)]
	if !ok {
		return fmt.Errorf("message %d was never acknowledged: write more messages first", k+1)
	}
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	span := w.rec.FaultStart("delete-records", fmt.Sprintf("DeleteRecords %s partition %d below offset %d (messages 1..%d)", ack.Topic, ack.Partition, ack.Offset, k))
	offsets := kadm.Offsets{}
	offsets.AddOffset(ack.Topic, ack.Partition, ack.Offset, -1)
	resp, err := adm.DeleteRecords(ctx, offsets)
	w.rec.FaultEnd(span, "records deleted; deleting cannot be undone")
	if err != nil {
		return fmt.Errorf("delete records: %w", err)
	}
	return resp.Error()
}

func consumerCatchesUp(ctx context.Context, more int) error {
	w := world(ctx)
	svc := w.services["consumer"]
	if err := svc.Resume(ctx); err != nil {
		return err
	}
	return w.consumerSeen(ctx, svc, w.consumed+more, 30*time.Second)
}

// consumerResumes resumes the paused consumer and waits until its group has committed
// everything written: the group's lag, as Kafka computes it from the committed offsets
// and the high watermarks, is 0.
func consumerResumes(ctx context.Context, seconds int) error {
	w := world(ctx)
	if err := w.services["consumer"].Resume(ctx); err != nil {
		return err
	}
	w.rec.Mark(evidence.EventNote, "consumer resumed", "the consumer process runs again (SIGCONT)")
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	group := w.name("group")
	return w.eventually(ctx, "the consumer group's lag to fall to 0", time.Duration(seconds)*time.Second,
		func(ctx context.Context) (bool, string, error) {
			lags, err := adm.Lag(ctx, group)
			if err != nil {
				return false, "", err
			}
			l, ok := lags[group]
			if !ok {
				return false, "the group is not described", nil
			}
			if err := l.Error(); err != nil {
				return false, "", err
			}
			return l.Lag.Total() == 0, fmt.Sprintf("group %s lag %d (%s)", group, l.Lag.Total(), l.State), nil
		})
}

// replayRecord reads the raw bytes of message seq and produces them again with a plain
// franz-go client: the same record, twice in the topic.
func replayRecord(ctx context.Context, seq int) error {
	w := world(ctx)
	ack, ok := w.acks[uint64(seq)]
	if !ok {
		return fmt.Errorf("message %d was never acknowledged", seq)
	}
	cl, err := w.stack.Kafka().Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		ack.Topic: {ack.Partition: kgo.NewOffset().At(ack.Offset)}}))
	if err != nil {
		return err
	}
	defer cl.Close()
	fctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	fs := cl.PollRecords(fctx, 1)
	if err := fctx.Err(); err != nil || len(fs.Records()) == 0 {
		return fmt.Errorf("read message %d at %s/%d@%d: %v", seq, ack.Topic, ack.Partition, ack.Offset, err)
	}
	orig := fs.Records()[0]
	replay := &kgo.Record{Topic: orig.Topic, Key: orig.Key, Value: orig.Value, Headers: orig.Headers}
	span := w.rec.FaultStart("replay", fmt.Sprintf("message %d produced again by a plain client", seq))
	defer w.rec.FaultEnd(span, "a replayed record stays in the topic")
	return cl.ProduceSync(fctx, replay).FirstErr()
}

// consumerReadsAll runs dashstream-consume to completion over the scenario's topic.
func consumerReadsAll(ctx context.Context, n int) error {
	w := world(ctx)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	res, err := w.stack.Services().Run(ctx, stack.ServiceSpec{Name: "consumer", Binary: stack.Consume,
		Args: []string{"-topic", w.topic("events"), "-from-start", "-max-records", strconv.Itoa(n), "-timeout", "60s", "-dlq-topic", w.topic("dlq")}})
	if err != nil {
		return err
	}
	v := classify(parseConsumerLines(res.Stdout + "\n" + res.Stderr))
	w.view = &v
	if v.summary == nil {
		return fmt.Errorf("the consumer printed no summary (exit %d): %s", res.ExitCode, tailLines(res.Stderr, 5))
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "consumer summary", v.summary)
	if got := len(v.records) + len(v.decodeErrors); got != n {
		return fmt.Errorf("the consumer read %d records, expected %d (exit %d)", got, n, res.ExitCode)
	}
	return nil
}

// consumerResult returns what the scenario's consumer reported, stopping a running one.
func (w *World) consumerResult(ctx context.Context) (consumerView, error) {
	if w.view != nil {
		return *w.view, nil
	}
	v, err := w.stopConsumer(ctx)
	if err != nil {
		return v, err
	}
	w.view = &v
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

func gapLogged(ctx context.Context, expected, received int) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	for _, l := range v.warnings {
		if l.Msg == "sequence gap" && l.Thread == w.thread && l.Expected == uint64(expected) && l.Received == uint64(received) {
			w.rec.Evidence(evidence.After, evidence.KindLog, "gap warning", l)
			return nil
		}
	}
	return fmt.Errorf("no warning \"sequence gap\" for thread %s with expected %d and received %d among %d warnings",
		w.thread, expected, received, len(v.warnings))
}

func consumerCounts(ctx context.Context, dups, gaps, reorders int) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	s := v.summary
	if s.Duplicates != uint64(dups) || s.Gaps != uint64(gaps) || s.Reorders != uint64(reorders) {
		return fmt.Errorf("the consumer reported %d duplicates, %d gaps, %d reorders; expected %d, %d, %d",
			s.Duplicates, s.Gaps, s.Reorders, dups, gaps, reorders)
	}
	return nil
}

func abbreviate(s []uint64) string {
	if len(s) <= 12 {
		return fmt.Sprint(s)
	}
	return fmt.Sprintf("%v ... %v (%d in all)", s[:6], s[len(s)-6:], len(s))
}
