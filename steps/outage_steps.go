package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	sc.Step(`^the producer's acknowledgements never paused for more than (\d+) seconds from the fault until it stopped$`, acksNeverPaused)
	sc.Step(`^(\d+) of the producer's sends failed$`, sendsFailed)
	sc.Step(`^every acknowledged record is consumed exactly once$`, everyAckedConsumedOnce)
	sc.Step(`^every record in the topic was written by an idempotent producer$`, writtenIdempotently)
	registerBacklogSteps(sc)
}

// outageState is what the outage steps keep of a scenario's broker fault.
type outageState struct {
	injected time.Time // when the fault was injected
	undone   time.Time // when it was undone and the broker answered again
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
	st := state[outageState](w)
	st.injected = time.Now()
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
	st.undone = w.brokerBack
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

// acknowledgedThroughout checks, from the harness's own record of when each
// acknowledgement arrived, that acknowledgements never stopped for longer than the given
// time from the fault's injection, through its undo, until writes were acknowledged
// again after it.
func acknowledgedThroughout(ctx context.Context, seconds int) error {
	w := world(ctx)
	if err := acknowledgedAgain(ctx, seconds); err != nil {
		return err
	}
	return w.noPauseLonger(time.Duration(seconds)*time.Second, time.Now(), "until writes were acknowledged after the fault")
}

// acksNeverPaused checks the longest pause between acknowledgements from the fault's
// injection until the producer stopped writing.
func acksNeverPaused(ctx context.Context, seconds int) error {
	w := world(ctx)
	end := w.load.stoppedAt()
	if end.IsZero() {
		return fmt.Errorf("the producer is still writing: stop it first")
	}
	return w.noPauseLonger(time.Duration(seconds)*time.Second, end, "until the producer stopped")
}

// noPauseLonger fails if, from the fault's injection until end, acknowledgements paused
// for longer than limit; the longest pause is evidence either way.
func (w *World) noPauseLonger(limit time.Duration, end time.Time, until string) error {
	st := state[outageState](w)
	if st.injected.IsZero() {
		return fmt.Errorf("no broker fault was injected in this scenario")
	}
	p := longestPause(w.load.acks(), st.injected, end)
	w.rec.Evidence(evidence.After, evidence.KindMetric, "longest pause between acknowledgements", map[string]any{
		"seconds": p.Duration().Seconds(), "from": p.From, "to": p.To, "limit_seconds": limit.Seconds(),
		"window": "from the fault's injection " + until, "fault_seconds": st.undone.Sub(st.injected).Seconds()})
	if p.Duration() > limit {
		return fmt.Errorf("acknowledgements paused for longer than %s from the fault's injection %s: %s (%s)",
			limit, until, p, w.load)
	}
	return nil
}

func producerStops(ctx context.Context) error {
	w := world(ctx)
	p, err := w.libraryProducer(ctx)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err = w.load.halt(sctx, p)
	w.rec.Evidence(evidence.After, evidence.KindMetric, "producer after the outage", w.load.String())
	return err
}

// sendsFailed checks how many sends the producer reported failed, as the harness counted
// its callbacks; each failure is evidence.
func sendsFailed(ctx context.Context, allowed int) error {
	w := world(ctx)
	failed := w.load.failures()
	seqs := slices.Sorted(maps.Keys(failed))
	reasons := make([]string, 0, min(len(seqs), 5))
	for _, seq := range seqs[:min(len(seqs), 5)] {
		reasons = append(reasons, failed[seq].Error())
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "failed sends", map[string]any{
		"failed": len(failed), "allowed": allowed, "sequences": abbreviate(seqs), "first_errors": reasons})
	if len(failed) != allowed {
		return fmt.Errorf("%d of the producer's sends failed %s, expected %d (%s); first errors: %s",
			len(failed), abbreviate(seqs), allowed, w.load, strings.Join(reasons, "; "))
	}
	return nil
}

// everyAckedConsumedOnce reads the whole topic back from its start and judges it against
// the harness's record of the producer's sends (checkDelivery): every acknowledged record
// read exactly once, where its acknowledgement said, and nothing read that the harness
// never acknowledged unless a failed send explains it.
func everyAckedConsumedOnce(ctx context.Context) error {
	w := world(ctx)
	acked := w.load.ackedSet()
	if len(acked) == 0 {
		return fmt.Errorf("no record was acknowledged: the check would prove nothing")
	}
	total, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	recs, err := w.readBack(ctx, w.topic("events"), int(total), 60*time.Second)
	if err != nil {
		return err
	}
	sent, _, _, _ := w.load.counts()
	d := checkDelivery(w.thread, sent, acked, w.load.failures(), recs)
	w.rec.Evidence(evidence.After, evidence.KindMetric, "delivery", d)
	dups := d.Duplicates
	if len(dups) > 0 && w.lastOutage == "kill" && !stack.Has(w.stack, stack.DurableIdempotence) {
		// Not the pipeline's fault: the broker forgot which batches it had written.
		reason := fmt.Sprintf("%d records written twice %v after a SIGKILL are not counted against the pipeline: %s",
			len(dups), abbreviate(dups), stack.Missing(w.stack, stack.DurableIdempotence))
		w.rec.Mark(evidence.EventNote, "duplicates not judged", reason)
		w.rec.Evidence(evidence.After, evidence.KindNote, "duplicates not judged", reason)
		dups = nil
	}
	if len(d.FailedRead) > 0 {
		w.rec.Mark(evidence.EventNote, "failed sends read back", fmt.Sprintf(
			"%d records the producer reported failed were written anyway %v: a failed send's outcome is unknown", len(d.FailedRead), abbreviate(d.FailedRead)))
	}
	var problems []string
	if len(d.Lost) > 0 {
		problems = append(problems, fmt.Sprintf("%d acknowledged records were never read %v", len(d.Lost), abbreviate(d.Lost)))
	}
	if len(dups) > 0 {
		problems = append(problems, fmt.Sprintf("%d were read twice %v", len(dups), abbreviate(dups)))
	}
	if len(d.Misplaced) > 0 {
		problems = append(problems, fmt.Sprintf("%d were not where their acknowledgement said: %s", len(d.Misplaced), firstFew(d.Misplaced)))
	}
	if len(d.Unexplained) > 0 {
		problems = append(problems, fmt.Sprintf("%d records were read that the harness never acknowledged: %s", len(d.Unexplained), firstFew(d.Unexplained)))
	}
	if len(d.Undecodable) > 0 {
		problems = append(problems, fmt.Sprintf("%d records do not decode: %s", len(d.Undecodable), firstFew(d.Undecodable)))
	}
	if len(problems) > 0 {
		return fmt.Errorf("of %d acknowledged records (%d read back): %s", len(acked), len(recs), strings.Join(problems, "; "))
	}
	return nil
}

// writtenIdempotently checks, from the producer id of every record batch in the topic
// (what the broker stored), that every record was written by an idempotent producer:
// without idempotence a resend after a lost acknowledgement is written twice.
func writtenIdempotently(ctx context.Context) error {
	w := world(ctx)
	topic := w.topic("events")
	total, err := w.endOffsets(ctx, topic)
	if err != nil {
		return err
	}
	if total == 0 {
		return fmt.Errorf("the topic %s holds no record: the check would prove nothing", topic)
	}
	ids, err := w.producerIDs(ctx, topic, int(total))
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "records by producer id", ids)
	if n := ids[-1]; n > 0 {
		return fmt.Errorf("%d of the %d records in %s were written without idempotence (producer id -1 in their batch): "+
			"a resend after a lost acknowledgement would be written twice", n, total, topic)
	}
	return nil
}

// firstFew joins the first three items and says how many there are in all.
func firstFew(items []string) string {
	if len(items) <= 3 {
		return strings.Join(items, "; ")
	}
	return fmt.Sprintf("%s; ... (%d in all)", strings.Join(items[:3], "; "), len(items))
}
