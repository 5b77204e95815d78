package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
)

func registerRecordFrameSteps(sc *godog.ScenarioContext) {
	sc.Step(`^after a settle period, the client has a frame for every record Kafka holds, each once, in order$`, clientHasEveryRecord)
}

// allRecords reads the scenario's events topic from the start with the harness's own
// client up to the end offset of each partition, taken first: every record Kafka holds,
// however slowly the first fetch comes on a loaded machine.
func (w *World) allRecords(ctx context.Context) ([]*kgo.Record, error) {
	topic := w.topic("events")
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	adm.Close()
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	cl, err := w.stack.Kafka().Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	next := map[int32]int64{} // the offset each partition's next record must reach
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			next[o.Partition] = 0
		}
	})
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for p := range next {
		for next[p] < ends[topic][p].Offset {
			fs := cl.PollFetches(rctx)
			if rctx.Err() != nil {
				return nil, fmt.Errorf("read %s to its end offsets %s within 30 s: %d records read, partition %d at offset %d",
					topic, endsText(ends, topic), len(out), p, next[p])
			}
			fs.EachRecord(func(r *kgo.Record) {
				out = append(out, r)
				next[r.Partition] = max(next[r.Partition], r.Offset+1)
			})
		}
	}
	return out, nil
}

// endsText lists a topic's end offsets by partition ("0:12 1:0 2:40").
func endsText(ends kadm.ListedOffsets, topic string) string {
	var parts []string
	for p, o := range ends[topic] {
		parts = append(parts, fmt.Sprintf("%d:%d", p, o.Offset))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// clientHasEveryRecord judges the default client after an outage: once the producer
// stopped and a settle period passed, its frames name every record Kafka holds, each
// once, in each partition's order, and nothing else.
func clientHasEveryRecord(ctx context.Context) error {
	w := world(ctx)
	c, ok := w.clients["default"]
	if !ok {
		return fmt.Errorf("no client of tenant default is connected")
	}
	recs, err := w.allRecords(ctx)
	if err != nil {
		return err
	}
	var frames []wsFrame
	err = w.eventually(ctx, fmt.Sprintf("the client to have a frame for each of the %d records", len(recs)), 20*time.Second, func(context.Context) (bool, string, error) {
		frames, _ = c.snapshot()
		return len(frames) >= len(recs), fmt.Sprintf("%d frames", len(frames)), nil
	})
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settle):
	}
	frames, disc := c.snapshot()
	if disc != nil {
		return fmt.Errorf("the client was disconnected: %w", disc)
	}
	want := map[string]bool{}
	for _, r := range recs {
		want[fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset)] = true
	}
	seen, last := map[string]bool{}, map[int32]int64{}
	var problems []string
	for _, f := range frames {
		k := fmt.Sprintf("%s/%d/%d", f.Topic, f.Partition, f.Offset)
		switch {
		case f.Problem != "":
			problems = append(problems, f.Problem)
		case f.TenantID != "default":
			problems = append(problems, fmt.Sprintf("%s of tenant %q", k, f.TenantID))
		case seen[k]:
			problems = append(problems, k+" twice")
		case !want[k]:
			problems = append(problems, k+" is no record of Kafka")
		case f.Offset <= last[f.Partition] && seen[fmt.Sprintf("%s/%d/%d", f.Topic, f.Partition, last[f.Partition])]:
			problems = append(problems, fmt.Sprintf("%s after offset %d", k, last[f.Partition]))
		}
		seen[k], last[f.Partition] = true, f.Offset
	}
	for k := range want {
		if !seen[k] {
			problems = append(problems, k+" never arrived")
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "the client's frames against Kafka", map[string]any{
		"records": len(recs), "frames": len(frames), "problems": len(problems)})
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("%d records on Kafka, %d frames: %s", len(recs), len(frames), abbrevItems(problems))
	}
	return nil
}
