package steps

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

func registerCorruptionSteps(sc *godog.ScenarioContext) {
	sc.Step(`^an independent client writes (\d+) (\S+) records? to the topic$`, independentWritesCorrupt)
	sc.Step(`^the consumer counts (\d+) decode failures? for reason "([^"]*)"$`, decodeFailures)
	sc.Step(`^the consumer counts no decode failures$`, func(ctx context.Context) error { return decodeFailures(ctx, 0, "") })
	sc.Step(`^the dead-letter topic holds (\d+) records? with reason "([^"]*)"$`, deadLetters)
	sc.Step(`^the quality aggregator writes (\d+) events of (\d+) bytes on (\d+) threads?$`, aggregatorWritesLarge)
	sc.Step(`^every record read back was compressed with zstd$`, everyRecordZstd)
}

// independentWritesCorrupt writes corrupt records with kcat (or raw franz-go where kcat
// is not installed): bytes the pipeline's own code did not produce.
func independentWritesCorrupt(ctx context.Context, n int, kind string) error {
	w := world(ctx)
	k, err := chaos.ParseKind(kind)
	if err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	c := chaos.Corrupt(w.stack.Kafka(), topic, k, n)
	h, err := c.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("corrupt records", h.Undo)
	w.rec.Evidence(evidence.During, evidence.KindNote, "corrupt records", map[string]any{
		"kind": kind, "count": n, "producer": c.Producer(), "expected_reason": k.Reason()})
	return nil
}

func decodeFailures(ctx context.Context, n int, reason string) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	total := uint64(0)
	for _, c := range v.summary.DecodeFailures {
		total += c
	}
	if reason == "" {
		if total != 0 {
			return fmt.Errorf("the consumer counted %d decode failures %v, expected none", total, v.summary.DecodeFailures)
		}
		return nil
	}
	if got := v.summary.DecodeFailures[reason]; got != uint64(n) || total != uint64(n) {
		return fmt.Errorf("the consumer counted decode failures %v, expected %d for %q and no other", v.summary.DecodeFailures, n, reason)
	}
	return nil
}

// deadLetters reads the scenario's dead-letter topic and checks the reason header of
// every record in it.
func deadLetters(ctx context.Context, n int, reason string) error {
	w := world(ctx)
	cl, err := w.stack.Kafka().Client(kgo.ConsumeTopics(w.topic("dlq")), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	reasons := map[string]int{}
	got := 0
	for got < n {
		fs := cl.PollFetches(rctx)
		if rctx.Err() != nil {
			return fmt.Errorf("the dead-letter topic holds %d records (reasons %v), expected %d", got, reasons, n)
		}
		fs.EachRecord(func(r *kgo.Record) {
			got++
			for _, h := range r.Headers {
				if h.Key == consumer.HeaderDLQReason {
					reasons[string(h.Value)]++
				}
			}
		})
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "dead-letter reasons", reasons)
	if reasons[reason] != n || len(reasons) != 1 {
		return fmt.Errorf("dead-letter reasons %v, expected %d × %q", reasons, n, reason)
	}
	return nil
}

func aggregatorWritesLarge(ctx context.Context, messages, size, threads int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	res, err := w.runProducer(ctx, w.producerEnv(), "-topic", topic, "-threads", strconv.Itoa(threads),
		"-messages", strconv.Itoa(messages), "-payload-size", strconv.Itoa(size), "-thread-prefix", w.name("thread")+"-")
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("dashstream-produce exited %d: %s", res.ExitCode, tailLines(res.Stderr, 5))
	}
	return nil
}

func everyRecordZstd(ctx context.Context) error {
	w := world(ctx)
	for _, r := range w.records {
		if r.Framing != wiredecode.FramingZstd {
			return fmt.Errorf("record at %d/%d has framing 0x%02x, not zstd (0x01)", r.Partition, r.Offset, r.Framing)
		}
	}
	return nil
}
