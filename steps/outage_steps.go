package steps

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
)

func registerOutageSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a producer is writing (\d+) events per second on a thread$`, producerWriting)
	sc.Step(`^a cluster of (\d+) brokers$`, clusterOf)
	sc.Step(`^broker (\d+) suffers a (\S+) for (\d+) seconds$`, brokerSuffers)
	sc.Step(`^the producer's writes are acknowledged again within (\d+) seconds of the broker's return$`, acknowledgedAgain)
	sc.Step(`^the producer's writes are acknowledged throughout, never pausing for more than (\d+) seconds$`, acknowledgedThroughout)
	sc.Step(`^the producer stops and its outstanding records are settled$`, producerStops)
	sc.Step(`^every acknowledged record is consumed exactly once$`, everyAckedConsumedOnce)
}

func producerWriting(ctx context.Context, perSecond int) error {
	w := world(ctx)
	if _, err := w.ensureTopic(ctx, "events"); err != nil {
		return err
	}
	if err := w.startLoad(ctx, perSecond); err != nil {
		return err
	}
	return w.eventually(ctx, "the first writes to be acknowledged", 30*time.Second, func(context.Context) (bool, string, error) {
		_, acked, _, _ := w.load.counts()
		return acked >= perSecond, w.load.String(), nil
	})
}

func clusterOf(ctx context.Context, n int) error {
	w := world(ctx)
	if n > 1 {
		if err := w.need(stack.MultiBroker); err != nil {
			return err
		}
	}
	if got := len(w.stack.Kafka().Brokers()); got != n {
		w.rec.SkipMissing(fmt.Sprintf("the %s stack runs %d brokers, the scenario needs %d", w.stack.Name(), got, n), string(stack.MultiBroker))
		return fmt.Errorf("the %s stack runs %d brokers, not %d: %w", w.stack.Name(), got, n, godog.ErrSkip)
	}
	return nil
}

// brokerSuffers injects the named outage into broker i (counted from 1), holds it, and
// undoes it, waiting until the broker answers again.
func brokerSuffers(ctx context.Context, i int, outage string, seconds int) error {
	w := world(ctx)
	fault, err := w.brokerFault(i, outage)
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.Before, evidence.KindMetric, "producer before the outage", w.load.String())
	h, err := fault.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("undo "+fault.Name(), h.Undo)
	w.lastOutage = outage
	// godog prints a step when it has ended: say now that the outage is under way.
	w.progress("fault injected: %s on broker %d for %d s", fault.Name(), i, seconds)
	select { // the outage lasts this long on purpose
	case <-time.After(time.Duration(seconds) * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	w.rec.Evidence(evidence.During, evidence.KindMetric, "producer during the outage", w.load.String())
	if err := h.Undo(ctx); err != nil {
		return err
	}
	w.brokerBack = time.Now()
	return nil
}

// brokerFault returns the named outage of broker i (counted from 1), or skips the
// scenario when the stack cannot inject it.
func (w *World) brokerFault(i int, outage string) (chaos.Fault, error) {
	brokers := w.stack.Kafka().Brokers()
	if i < 1 || i > len(brokers) {
		return nil, fmt.Errorf("broker %d does not exist: the cluster has %d", i, len(brokers))
	}
	fault, err := chaos.ByName(outage, brokers[i-1])
	if err != nil {
		return nil, err
	}
	return fault, w.need(fault.Needs()...)
}

func acknowledgedAgain(ctx context.Context, seconds int) error {
	w := world(ctx)
	_, before, _, _ := w.load.counts()
	return w.eventually(ctx, "writes acknowledged after the broker's return", time.Duration(seconds)*time.Second,
		func(context.Context) (bool, string, error) {
			_, acked, _, last := w.load.counts()
			return acked > before && last.After(w.brokerBack), w.load.String(), nil
		})
}

// acknowledgedThroughout checks that acknowledgements never stopped for long while a
// replicated cluster lost one broker.
func acknowledgedThroughout(ctx context.Context, seconds int) error {
	w := world(ctx)
	_, _, _, last := w.load.counts()
	if since := time.Since(last); since > time.Duration(seconds)*time.Second {
		return fmt.Errorf("no acknowledgement for %.1f s (%s)", since.Seconds(), w.load.String())
	}
	return acknowledgedAgain(ctx, seconds)
}

func producerStops(ctx context.Context) error {
	w := world(ctx)
	p, err := w.libraryProducer(ctx)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	w.load.halt(sctx, p)
	w.rec.Evidence(evidence.After, evidence.KindMetric, "producer after the outage", w.load.String())
	return nil
}

// everyAckedConsumedOnce reads the topic back from the start and checks that every
// acknowledged sequence is there, and that no sequence is there twice: acked − consumed
// is empty and there are no duplicates.
func everyAckedConsumedOnce(ctx context.Context) error {
	w := world(ctx)
	acked := w.load.ackedSet()
	total, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	recs, err := w.readBack(ctx, w.topic("events"), int(total), 60*time.Second)
	if err != nil {
		return err
	}
	seen := map[uint64]int{}
	for _, r := range recs {
		if r.Err != nil {
			return fmt.Errorf("record at %d/%d does not decode: %w", r.Partition, r.Offset, r.Err)
		}
		if r.Header.GetThreadId() == w.thread {
			seen[r.Header.GetSequence()]++
		}
	}
	var lost, dups []uint64
	for seq := range acked {
		if seen[seq] == 0 {
			lost = append(lost, seq)
		}
	}
	for seq, n := range seen {
		if n > 1 {
			dups = append(dups, seq)
		}
	}
	sort.Slice(lost, func(i, j int) bool { return lost[i] < lost[j] })
	sort.Slice(dups, func(i, j int) bool { return dups[i] < dups[j] })
	w.rec.Evidence(evidence.After, evidence.KindMetric, "delivery", map[string]any{
		"acknowledged": len(acked), "consumed": len(seen), "acked_not_consumed": lost, "duplicates": dups})
	if len(acked) == 0 {
		return fmt.Errorf("no record was acknowledged: the check would prove nothing")
	}
	if len(dups) > 0 && w.lastOutage == "kill" && !stack.Has(w.stack, stack.DurableIdempotence) {
		// Not the pipeline's fault: the broker forgot which batches it had written.
		reason := fmt.Sprintf("%d records written twice %v after a SIGKILL are not counted against the pipeline: %s",
			len(dups), abbreviate(dups), stack.Missing(w.stack, stack.DurableIdempotence))
		w.rec.Mark(evidence.EventNote, "duplicates not judged", reason)
		w.rec.Evidence(evidence.After, evidence.KindNote, "duplicates not judged", reason)
		dups = nil
	}
	if len(lost) > 0 || len(dups) > 0 {
		return fmt.Errorf("%d acknowledged records were never consumed %v, %d were consumed twice %v (of %d acknowledged)",
			len(lost), abbreviate(lost), len(dups), abbreviate(dups), len(acked))
	}
	return nil
}
