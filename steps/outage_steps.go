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
	"github.com/dashstream/acceptance/system/sut"
)

// outageFamily is the broker outage of the scenario, shared by the outage, traffic,
// delivery and WebSocket steps: its kind decides what the delivery checks allow (a kill
// may lose idempotence), and current is the outage still in progress, undone by the step
// that ends it.
type outageFamily struct {
	kind    string       // the kind of the last broker outage (kill, stop, ...)
	current chaos.Handle // the outage in progress, nil when none
}

func registerOutageSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a producer is writing (\d+) events per second on a thread$`, producerWriting)
	sc.Step(`^a cluster of (\d+) brokers$`, clusterOf)
	sc.Step(`^broker (\d+) suffers a (\S+) for (\d+) seconds$`, brokerSuffers)
	sc.Step(`^the producer's writes are acknowledged again within (\d+) seconds of the broker's return$`, acknowledgedAgain)
	sc.Step(`^the producer's writes are acknowledged throughout, never pausing for more than (\d+) seconds$`, acknowledgedThroughout)
	sc.Step(`^the producer stops and its outstanding records are settled$`, producerStops)
	sc.Step(`^the producer keeps writing for (\d+) seconds$`, producerKeepsWriting)
	sc.Step(`^the producer's acknowledgements never paused for more than (\d+) seconds beyond the outage, from the fault until it stopped$`, acksNeverPaused)
	sc.Step(`^(\d+) of the producer's sends failed$`, sendsFailed)
	sc.Step(`^every acknowledged record is consumed exactly once$`, everyAckedConsumedOnce)
	sc.Step(`^every record in the topic was written by an idempotent producer$`, writtenIdempotently)
	registerBacklogSteps(sc)
}

// writing returns an error unless a producer was started writing in this scenario.
func (w *World) writing() error {
	if w.load == nil {
		return fmt.Errorf("no producer is writing in this scenario: start one with \"a producer is writing N events per second on a thread\"")
	}
	return nil
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
	if err := world(ctx).needSUT(sut.Producer, "writer-contract"); err != nil {
		return err
	}
	w := world(ctx)
	fault, err := w.brokerFault(i, outage)
	if err != nil {
		return err
	}
	if w.load != nil {
		w.rec.Evidence(evidence.Before, evidence.KindMetric, "producer before the outage", w.load.String())
	}
	st := state[outageState](w)
	st.injected = time.Now()
	h, err := fault.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("undo "+fault.Name(), h.Undo)
	state[outageFamily](w).kind = outage
	// godog prints a step when it has ended: say now that the outage is under way.
	w.progress("fault injected: %s on broker %d for %d s", fault.Name(), i, seconds)
	select { // the outage lasts this long on purpose
	case <-time.After(time.Duration(seconds) * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	if w.load != nil {
		w.rec.Evidence(evidence.During, evidence.KindMetric, "producer during the outage", w.load.String())
	}
	if err := h.Undo(ctx); err != nil {
		return err
	}
	st.undone = time.Now()
	w.markBrokerBack(st.undone, "the broker outage was undone")
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
	if err := w.writing(); err != nil {
		return err
	}
	_, before, _, _ := w.load.counts()
	back := w.brokerBack()
	return w.eventually(ctx, "writes acknowledged after the broker's return", time.Duration(seconds)*time.Second,
		func(context.Context) (bool, string, error) {
			_, acked, _, last := w.load.counts()
			return acked > before && last.After(back), w.load.String(), nil
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
// injection until the producer stopped writing, against the outage's own length (from
// its injection until the broker answered again: a single broker acknowledges nothing
// meanwhile, and how long it takes to come back is the stack's, not the producer's) plus
// the given time.
func acksNeverPaused(ctx context.Context, seconds int) error {
	w := world(ctx)
	if err := w.writing(); err != nil {
		return err
	}
	end := w.load.stoppedAt()
	if end.IsZero() {
		return fmt.Errorf("the producer is still writing: stop it first")
	}
	st := state[outageState](w)
	if st.undone.IsZero() {
		return fmt.Errorf("no broker fault was injected and undone in this scenario")
	}
	outage := st.undone.Sub(st.injected)
	return w.noPauseLonger(outage+time.Duration(seconds)*time.Second, end,
		fmt.Sprintf("until the producer stopped (the outage lasted %.1f s)", outage.Seconds()))
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
	if err := w.writing(); err != nil {
		return err
	}
	err = w.load.halt(sctx, p)
	w.rec.Evidence(evidence.After, evidence.KindMetric, "producer after the outage", w.load.String())
	return err
}

// sendsFailed checks how many sends the producer reported failed, as the harness counted
// its callbacks; each failure is evidence.
func sendsFailed(ctx context.Context, allowed int) error {
	w := world(ctx)
	if err := w.writing(); err != nil {
		return err
	}
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

// producerKeepsWriting lets the scenario's running producer write for seconds more: the
// records after an event in the stream. Kafka must acknowledge records written in that
// time, or a later check of "every record Kafka holds" would judge none written after it.
func producerKeepsWriting(ctx context.Context, seconds int) error {
	w := world(ctx)
	if w.load == nil {
		return fmt.Errorf("no producer is writing: a step must start one first")
	}
	_, before, _, _ := w.load.counts()
	w.progress("the producer keeps writing for %d s", seconds)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(seconds) * time.Second):
	}
	if _, after, failed, _ := w.load.counts(); after == before {
		return fmt.Errorf("no record was acknowledged in the %d s the producer kept writing (%d acknowledged before, %d sends failed): %s", seconds, before, failed, w.load)
	}
	return nil
}
