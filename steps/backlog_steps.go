package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
)

func registerBacklogSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the consumer is stopped$`, consumerStopped)
	sc.Step(`^(\d+) more messages with event times spread over (\d+) seconds are written on the thread$`, backlogWritten)
	sc.Step(`^the consumer is started again$`, consumerStartedAgain)
	sc.Step(`^its group's lag, read from Kafka by the harness, is (\d+)$`, groupLagIs)
	sc.Step(`^its group's lag, read from Kafka by the harness, falls to 0 within (\d+) seconds$`, groupLagFallsToZero)
	sc.Step(`^the restarted consumer read each of the (\d+) new messages exactly once, in order, and nothing else$`, restartedReadBacklog)
}

// backlogState is what the backlog steps keep of a scenario.
type backlogState struct {
	stopped   chaos.Handle // the consumer's stop, undone by its start
	firstRun  int          // records the consumer printed before it was stopped
	firstSeq  uint64       // the backlog's first sequence
	written   int          // records in the backlog
	restarted time.Time
}

// consumerStopped stops the scenario's consumer service gracefully (chaos.ServiceStop: it
// commits and prints its summary) and keeps how many records it printed.
func consumerStopped(ctx context.Context) error {
	w := world(ctx)
	svc, ok := w.services["consumer"]
	if !ok {
		return fmt.Errorf("no consumer is running in this scenario")
	}
	h, err := chaos.ServiceStop(svc).Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	state[backlogState](w).stopped = h
	w.onCleanup("start the stopped consumer", h.Undo) // ends the fault's span if the scenario fails first
	v := classify(parseConsumerLines(svc.Log(0)))
	if v.summary == nil {
		return fmt.Errorf("the stopped consumer printed no summary; last output:\n%s", svc.Log(20))
	}
	state[backlogState](w).firstRun = len(v.records)
	w.rec.Mark(evidence.EventNote, "consumer stopped", fmt.Sprintf("after printing %d records", len(v.records)))
	return nil
}

// backlogWritten writes n messages on the scenario's thread, continuing its sequence,
// with a plain franz-go client and the wire encoder, stamping event times (the header's
// timestamp_us and the Kafka record timestamp) evenly over the given seconds up to now:
// a backlog that spans that long in event time, written in a few seconds.
func backlogWritten(ctx context.Context, n, seconds int) error {
	w := world(ctx)
	st := state[backlogState](w)
	if w.thread == "" || len(w.acks) == 0 {
		return fmt.Errorf("no messages were written on a thread yet: read the first ones first")
	}
	st.firstSeq, st.written = uint64(len(w.acks))+1, n
	cl, err := w.stack.Kafka().Client(kgo.DefaultProduceTopic(w.topic("events")))
	if err != nil {
		return err
	}
	defer cl.Close()
	enc := wire.NewEncoder()
	span := time.Duration(seconds) * time.Second
	end := time.Now()
	start := end.Add(-span)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	results := make(chan error, n)
	for i := range n {
		at := start.Add(span * time.Duration(i) / time.Duration(max(n-1, 1)))
		id := uuid.New()
		msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header: &dspb.Header{MessageId: id[:], TenantId: "default", ThreadId: w.thread, Sequence: st.firstSeq + uint64(i),
				TimestampUs: at.UnixMicro(), Type: dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: wire.SchemaVersion},
			EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "backlog"}}}
		value, err := enc.Encode(msg)
		if err != nil {
			return fmt.Errorf("encode backlog message %d: %w", i+1, err)
		}
		cl.Produce(ctx, &kgo.Record{Key: []byte(w.thread), Value: value, Timestamp: at}, func(_ *kgo.Record, err error) { results <- err })
	}
	for i := range n {
		if err := <-results; err != nil {
			return fmt.Errorf("write backlog message (%d of %d settled): %w", i, n, err)
		}
	}
	w.rec.Evidence(evidence.During, evidence.KindMetric, "backlog written", map[string]any{
		"messages": n, "first_sequence": st.firstSeq, "event_time_from": start, "event_time_to": end,
		"written_in_seconds": time.Since(end).Seconds()})
	return nil
}

// consumerStartedAgain starts the stopped consumer service again with the same group
// (the stop's Undo).
func consumerStartedAgain(ctx context.Context) error {
	w := world(ctx)
	h := state[backlogState](w).stopped
	if h == nil {
		return fmt.Errorf("the consumer was not stopped in this scenario")
	}
	if err := h.Undo(ctx); err != nil {
		return err
	}
	state[backlogState](w).restarted = time.Now()
	w.rec.Mark(evidence.EventNote, "consumer started again", "same group, resumes at its committed offsets")
	return nil
}

// groupLag returns the scenario consumer group's lag on its "events" topic, computed by
// the harness from what Kafka reports (kadm): for every partition that holds records, its
// end offset minus the group's committed offset. A partition that holds records but has
// no commit is an error, never a lag of 0: the group's position there is unknown.
func (w *World) groupLag(ctx context.Context) (int64, string, error) {
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return 0, "", err
	}
	defer adm.Close()
	group, topic := w.name("group"), w.topic("events")
	commits, err := adm.FetchOffsets(ctx, group)
	if err == nil {
		err = commits.Error()
	}
	if err != nil {
		return 0, "", fmt.Errorf("committed offsets of group %s: %w", group, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, "", fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	var lag int64
	var parts []string
	var missing error
	ends.Each(func(end kadm.ListedOffset) {
		c, ok := commits.Lookup(topic, end.Partition)
		switch {
		case ok && c.At >= 0:
			lag += end.Offset - c.At
			parts = append(parts, fmt.Sprintf("p%d %d-%d", end.Partition, end.Offset, c.At))
		case end.Offset > 0 && missing == nil:
			missing = fmt.Errorf("group %s has no committed offset on %s partition %d, which holds records up to offset %d: its lag there is unknown: %w",
				group, topic, end.Partition, end.Offset, errNoCommit)
		}
	})
	if missing != nil {
		return 0, "", missing
	}
	return lag, fmt.Sprintf("group %s lag %d (end-committed: %s)", group, lag, strings.Join(parts, ", ")), nil
}

// groupLagIs checks the group's lag now.
func groupLagIs(ctx context.Context, want int) error {
	w := world(ctx)
	lag, seen, err := w.groupLag(ctx)
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.During, evidence.KindMetric, "consumer group lag", seen)
	if lag != int64(want) {
		return fmt.Errorf("%s, expected %d", seen, want)
	}
	return nil
}

// errNoCommit marks a partition that holds records the group has not committed yet.
var errNoCommit = errors.New("no commit yet")

func groupLagFallsToZero(ctx context.Context, seconds int) error {
	return world(ctx).groupLagReachesZero(ctx, seconds)
}

// groupLagReachesZero waits until the harness-computed lag of the scenario's group is 0;
// a partition the group has not committed yet keeps it waiting (it is never a lag of 0),
// any other error ends the wait.
func (w *World) groupLagReachesZero(ctx context.Context, seconds int) error {
	return w.eventually(ctx, "the consumer group's lag to fall to 0", time.Duration(seconds)*time.Second,
		func(ctx context.Context) (bool, string, error) {
			lag, seen, err := w.groupLag(ctx)
			if errors.Is(err, errNoCommit) {
				return false, err.Error(), nil
			}
			return err == nil && lag == 0, seen, err
		})
}

// restartedReadBacklog checks what the restarted consumer printed: exactly the backlog's
// sequences, each once and in order, on the scenario's thread, and no other record.
func restartedReadBacklog(ctx context.Context, n int) error {
	w := world(ctx)
	st := state[backlogState](w)
	if n != st.written {
		return fmt.Errorf("the scenario wrote %d backlog messages, not %d", st.written, n)
	}
	v, err := w.stopConsumer(ctx)
	if err != nil {
		return err
	}
	if len(v.decodeErrors) > 0 {
		return fmt.Errorf("the restarted consumer reported %d decode errors, expected none", len(v.decodeErrors))
	}
	want := st.firstSeq
	for i, r := range v.records {
		if r.Thread != w.thread || r.Sequence != want {
			return fmt.Errorf("record %d the restarted consumer read is thread %q sequence %d, expected thread %q sequence %d "+
				"(it read %d records; before the stop it had read %d)", i+1, r.Thread, r.Sequence, w.thread, want, len(v.records), st.firstRun)
		}
		want++
	}
	if got := len(v.records); got != n {
		return fmt.Errorf("the restarted consumer read %d records (sequences %d to %d), expected the %d new ones",
			got, st.firstSeq, want-1, n)
	}
	return nil
}
