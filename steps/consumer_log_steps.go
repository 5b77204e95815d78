package steps

import (
	"context"
	"fmt"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
)

func registerConsumerLogSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the consumer logs the gap with the thread, expected (\d+) and received (\d+)$`, gapLogged)
	sc.Step(`^the consumer logs the zero sequence of the thread$`, zeroLogged)
	sc.Step(`^the consumer logs (\d+) "(sequence duplicate|sequence reorder)" warnings? for the thread$`, sequenceWarnings)
	sc.Step(`^the consumer logs (\d+) undecodable records? with reason "([^"]*)"$`, undecodableLogged)
}

// gapLogged requires exactly one "sequence gap" warning for the scenario's thread, with
// the expected and received sequences and a gap_size of received - expected.
func gapLogged(ctx context.Context, expected, received int) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	gaps := v.warningsOf("sequence gap", w.thread)
	if len(gaps) != 1 {
		return fmt.Errorf("%d warnings \"sequence gap\" for thread %s among %d warnings, expected exactly 1", len(gaps), w.thread, len(v.warnings))
	}
	l := gaps[0]
	w.rec.Evidence(evidence.After, evidence.KindLog, "gap warning", l)
	if l.Expected != uint64(expected) || l.Received != uint64(received) {
		return fmt.Errorf("the gap warning says expected %d received %d, not expected %d received %d", l.Expected, l.Received, expected, received)
	}
	if l.GapSize == nil {
		return fmt.Errorf("the gap warning has no gap_size")
	}
	if want := uint64(received - expected); *l.GapSize != want {
		return fmt.Errorf("the gap warning says gap_size %d, expected %d (received - expected)", *l.GapSize, want)
	}
	return nil
}

// zeroLogged requires the consumer's warning about a sequence 0 on the scenario's thread.
func zeroLogged(ctx context.Context) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	zeros := v.warningsOf("sequence zero", w.thread)
	if len(zeros) != 1 {
		return fmt.Errorf("%d warnings \"sequence zero\" for thread %s among %d warnings, expected exactly 1", len(zeros), w.thread, len(v.warnings))
	}
	w.rec.Evidence(evidence.After, evidence.KindLog, "zero-sequence warning", zeros[0])
	return nil
}

// sequenceWarnings requires exactly n warnings msg for the scenario's thread.
func sequenceWarnings(ctx context.Context, n int, msg string) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	got := v.warningsOf(msg, w.thread)
	if len(got) != n {
		return fmt.Errorf("%d warnings %q for thread %s among %d warnings, expected %d", len(got), msg, w.thread, len(v.warnings), n)
	}
	for _, l := range got {
		if l.Topic == "" || l.Received == 0 {
			return fmt.Errorf("a warning %q does not say where (topic %q) or what it received (%d)", msg, l.Topic, l.Received)
		}
	}
	return nil
}

// undecodableLogged requires exactly n "undecodable record" warnings, each with reason.
func undecodableLogged(ctx context.Context, n int, reason string) error {
	w := world(ctx)
	v, err := w.consumerResult(ctx)
	if err != nil {
		return err
	}
	all := v.warningsOf("undecodable record", "")
	for _, l := range all {
		if l.Reason != reason {
			return fmt.Errorf("an \"undecodable record\" warning says reason %q, expected %q", l.Reason, reason)
		}
	}
	if len(all) != n {
		return fmt.Errorf("%d warnings \"undecodable record\" among %d warnings, expected %d", len(all), len(v.warnings), n)
	}
	return nil
}

// warningsOf returns the warnings msg, of thread when thread is not empty.
func (v consumerView) warningsOf(msg, thread string) []consumerLine {
	var out []consumerLine
	for _, l := range v.warnings {
		if l.Msg == msg && (thread == "" || l.Thread == thread) {
			out = append(out, l)
		}
	}
	return out
}
