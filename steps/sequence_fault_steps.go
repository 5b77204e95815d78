package steps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// sequenceState is what the sequence steps keep about their scenario's consumer.
type sequenceState struct {
	frozen chaos.Handle // the consumer's freeze (service-pause), undone when it catches up
	// before is what the consumer's previous process printed, when it was restarted.
	before *consumerView
}

func registerSequenceFaultSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the consumer falls behind while (\d+) more messages are written$`, consumerFallsBehind)
	sc.Step(`^the consumer falls behind and loses its connections while (\d+) more messages are written$`, consumerFallsBehindDisconnected)
	sc.Step(`^messages up to (\d+) are deleted before the consumer reads them$`, deleteUpTo)
	sc.Step(`^the consumer catches up with (\d+) more records?$`, consumerCatchesUp)
	sc.Step(`^the consumer resumes and its group's lag falls to 0 within (\d+) seconds$`, consumerResumes)
	sc.Step(`^record (\d+) of the thread is replayed by an independent client$`, replayRecord)
	sc.Step(`^(\d+) more messages are written on the thread$`, func(ctx context.Context, n int) error { return world(ctx).sendEvents(ctx, n) })
	sc.Step(`^sequences? ([0-9, and]+) of the thread (?:is|are) written by an independent client$`, forgeSequences)
	sc.Step(`^the consumer is restarted$`, consumerRestarted)
	sc.Step(`^a consumer that tracks at most (\d+) threads? reads the topic$`, boundedConsumer)
	sc.Step(`^an independent client writes, on one partition, the messages ([a-z0-9:, ]+)$`, forgeInterleaved)
}

// consumerFallsBehind freezes the consumer (SIGSTOP) and writes n messages it cannot read.
func consumerFallsBehind(ctx context.Context, n int) error {
	if err := freezeConsumer(ctx); err != nil {
		return err
	}
	return writeWhileBehind(ctx, n)
}

// consumerFallsBehindDisconnected freezes the consumer and then cuts every broker's proxy
// and heals it, so the connections the frozen consumer held are closed. A fetch it left
// open can then never be answered with the messages written next: they can reach it only
// through a fetch it makes after it resumes, from its own position. Without the cut, a
// broker slower than the fetch's wait answers the open fetch with the new messages, they
// wait in the frozen consumer's socket, and records deleted later were read after all.
// The cut drops every client of the brokers: use it in @destructive scenarios only.
func consumerFallsBehindDisconnected(ctx context.Context, n int) error {
	w := world(ctx)
	if err := w.need(stack.NetworkFaults, stack.Destructive); err != nil {
		return err
	}
	if err := freezeConsumer(ctx); err != nil {
		return err
	}
	for _, b := range w.stack.Kafka().Brokers() {
		h, err := chaos.NetworkCut(b).Inject(ctx, w.rec)
		if err != nil {
			return err
		}
		if err := h.Undo(ctx); err != nil {
			w.onCleanup("heal "+b.Name(), h.Undo)
			return err
		}
	}
	return writeWhileBehind(ctx, n)
}

func freezeConsumer(ctx context.Context) error {
	w := world(ctx)
	cons, err := w.service("consumer")
	if err != nil {
		return err
	}
	h, err := chaos.ServicePause(cons).Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("resume consumer", h.Undo)
	state[sequenceState](w).frozen = h
	return nil
}

func writeWhileBehind(ctx context.Context, n int) error {
	w := world(ctx)
	at, err := w.sendEventsTimed(ctx, w.topic("events"), n)
	if err != nil {
		return err
	}
	// The consumer group's lag passes ConsumerLagHigh's threshold with this record at the
	// latest (earlier if the records already read were never committed): the alert's onset.
	if i := lagThreshold - state[consumerFamily](w).consumed; i >= 0 && i < len(at) {
		w.markOnset(at[i], 0, fmt.Sprintf("record %d of the backlog written: the lag passes %d", i+1, lagThreshold))
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
	ack, ok := w.acks[uint64(k+1)]
	if !ok {
		return fmt.Errorf("message %d was never acknowledged: write more messages first", k+1)
	}
	f := chaos.DeleteBelow(w.stack.Kafka(), ack.Topic, ack.Partition, ack.Offset)
	if err := w.need(f.Needs()...); err != nil {
		return err
	}
	h, err := f.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	return h.Undo(ctx) // only ends the span: deleted records stay deleted
}

// consumerCatchesUp resumes a frozen consumer and requires it to read exactly more
// records, and to have read to the end of the topic.
func consumerCatchesUp(ctx context.Context, more int) error {
	w := world(ctx)
	svc, err := w.service("consumer")
	if err != nil {
		return err
	}
	if h := state[sequenceState](w).frozen; h != nil {
		if err := h.Undo(ctx); err != nil {
			return err
		}
	}
	if err := w.consumerSeen(ctx, svc, state[consumerFamily](w).consumed+more, 30*time.Second); err != nil {
		return err
	}
	return w.consumerAtEnd(ctx, svc, w.topic("events"))
}

// consumerResumes resumes the paused consumer and waits until its group has committed
// everything written: the lag the harness computes from the committed and end offsets is 0
// (kadm.Lag would report 0 for a group that never committed).
func consumerResumes(ctx context.Context, seconds int) error {
	w := world(ctx)
	h := state[sequenceState](w).frozen
	if h == nil {
		return errors.New("the consumer was not paused: make it fall behind first")
	}
	if err := h.Undo(ctx); err != nil {
		return err
	}
	return w.groupLagReachesZero(ctx, seconds)
}

// replayRecord produces message seq again, byte for byte, with a plain franz-go client
// (chaos.Replay): the same record, twice in the topic.
func replayRecord(ctx context.Context, seq int) error {
	w := world(ctx)
	ack, ok := w.acks[uint64(seq)]
	if !ok {
		return fmt.Errorf("message %d was never acknowledged", seq)
	}
	h, err := chaos.Replay(w.stack.Kafka(), ack.Topic, ack.Partition, ack.Offset).Inject(ctx, w.rec)
	if err != nil {
		return fmt.Errorf("replay message %d: %w", seq, err)
	}
	return h.Undo(ctx) // only ends the span: the copy stays
}

// forgeSequences writes one valid message per listed sequence on the scenario's thread
// and tenant, with a header set by hand, through chaos.Forge (kcat where installed): a
// client the pipeline's producer has no part in.
func forgeSequences(ctx context.Context, list string) error {
	w := world(ctx)
	if w.thread == "" {
		return errors.New("the scenario has no thread yet: write its messages first")
	}
	tenant := producer.DefaultTenant
	if w.tenantSet {
		tenant = w.tenant
	}
	var headers []chaos.ForgedHeader
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		if f == "and" {
			continue
		}
		seq, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return fmt.Errorf("sequence %q: %w", f, err)
		}
		headers = append(headers, chaos.ForgedHeader{Tenant: tenant, Thread: w.thread, Sequence: seq})
	}
	fg := chaos.Forge(w.stack.Kafka(), w.topic("events"), headers)
	h, err := fg.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.During, evidence.KindNote, "forged records", map[string]any{"headers": headers, "producer": fg.Producer()})
	return h.Undo(ctx) // only ends the span: the records stay
}

// consumerRestarted stops the consumer gracefully (it commits what it handled) and
// starts it again in the same group, through chaos.ServiceStop. What the consumer prints
// from then on is the new process's.
func consumerRestarted(ctx context.Context) error {
	w := world(ctx)
	svc, err := w.service("consumer")
	if err != nil {
		return err
	}
	h, err := chaos.ServiceStop(svc).Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	before := viewOf(svc)
	if err := h.Undo(ctx); err != nil {
		w.onCleanup("restart consumer", h.Undo)
		return err
	}
	if err := before.complete(); err != nil {
		return fmt.Errorf("before its restart: %w", err)
	}
	w.rec.Evidence(evidence.During, evidence.KindMetric, "consumer summary before its restart", before.summary)
	state[sequenceState](w).before = &before
	state[consumerFamily](w).consumed = 0
	return nil
}

// boundedConsumer starts the scenario's consumer with its sequence validator capped at n
// threads: a new thread beyond n evicts the least recently seen one.
func boundedConsumer(ctx context.Context, n int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	_, err = w.startConsumer(ctx, topic, sut.Setting{Name: "-max-threads", Value: strconv.Itoa(n)})
	return err
}

// forgeInterleaved writes messages given as thread:sequence ("a:1, b:3") on threads
// named after the scenario, all with one key so they land on one partition in this order.
func forgeInterleaved(ctx context.Context, list string) error {
	w := world(ctx)
	key := w.name("thread")
	var headers []chaos.ForgedHeader
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		if f == "and" {
			continue
		}
		thread, seq, ok := strings.Cut(f, ":")
		n, err := strconv.ParseUint(seq, 10, 64)
		if !ok || err != nil {
			return fmt.Errorf("message %q: write thread:sequence, as a:1", f)
		}
		headers = append(headers, chaos.ForgedHeader{Tenant: producer.DefaultTenant, Thread: key + "-" + thread, Sequence: n, Key: key})
	}
	fg := chaos.Forge(w.stack.Kafka(), w.topic("events"), headers)
	h, err := fg.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	return h.Undo(ctx)
}
