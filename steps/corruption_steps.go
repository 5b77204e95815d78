package steps

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
	"github.com/dashstream/acceptance/system/proc"
)

func registerCorruptionSteps(sc *godog.ScenarioContext) {
	sc.Step(`^an independent client writes (\d+) (\S+) records? to the topic$`, independentWritesCorrupt)
	sc.Step(`^an independent client writes (\d+) (\S+) records? on the thread$`, independentWritesCorruptOnThread)
	sc.Step(`^an independent client writes (\d+) (\S+) records? with a header on the thread$`, func(ctx context.Context, n int, kind string) error {
		return writeCorrupt(ctx, n, kind, true, chaos.Header("origin", "acceptance-burst"))
	})
	sc.Step(`^the consumer counts (\d+) decode failures? for reason "([^"]*)"$`, decodeFailures)
	sc.Step(`^the consumer counts no decode failures$`, func(ctx context.Context) error { return decodeFailures(ctx, 0, "") })
	registerDLQSteps(sc)
	sc.Step(`^the quality aggregator writes (\d+) events of (\d+) bytes on (\d+) threads?$`, aggregatorWritesLarge)
	sc.Step(`^every record read back was compressed with zstd$`, everyRecordZstd)
}

// independentWritesCorrupt writes corrupt records with kcat (or raw franz-go where kcat
// is not installed): bytes the pipeline's own code did not produce.
func independentWritesCorrupt(ctx context.Context, n int, kind string) error {
	return writeCorrupt(ctx, n, kind, false)
}

// independentWritesCorruptOnThread is independentWritesCorrupt keyed by the scenario's
// thread: the records land on the thread's partition, between its messages.
func independentWritesCorruptOnThread(ctx context.Context, n int, kind string) error {
	return writeCorrupt(ctx, n, kind, true)
}

func writeCorrupt(ctx context.Context, n int, kind string, onThread bool, opts ...chaos.CorruptOpt) error {
	w := world(ctx)
	k, err := chaos.ParseKind(kind)
	if err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	if onThread {
		if w.thread == "" {
			return fmt.Errorf("the scenario has no thread yet: write its messages first")
		}
		opts = append(opts, chaos.Key(w.thread))
	}
	c := chaos.Corrupt(w.stack.Kafka(), topic, k, n, opts...)
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
	if total != uint64(len(v.decodeErrors)) {
		return fmt.Errorf("the consumer printed %d decode errors but its summary counts %v", len(v.decodeErrors), v.summary.DecodeFailures)
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
	var want []metricWant
	for r, c := range v.summary.DecodeFailures {
		want = append(want, metricWant{name: metricDecodeFailures, labels: map[string]string{"reason": r}, value: float64(c), sum: -1})
	}
	return v.metrics.expect(want...)
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
		return fmt.Errorf("dashstream-produce exited %d: %s", res.ExitCode, proc.LastLines(res.Stderr, 5))
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
