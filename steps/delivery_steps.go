package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

// everyAckedConsumedOnce reads the whole topic back from its start and judges it against
// the harness's record of the producer's sends (checkDelivery): every acknowledged record
// read exactly once, where its acknowledgement said, and nothing read that the harness
// never acknowledged unless a failed send explains it.
func everyAckedConsumedOnce(ctx context.Context) error {
	w := world(ctx)
	if err := w.writing(); err != nil {
		return err
	}
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
	if len(dups) > 0 && state[outageFamily](w).kind == "kill" && !stack.Has(w.stack, stack.DurableIdempotence) {
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
