package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
)

// logIDState is the long-ids family's state: the long thread id written and the
// consumer's stderr as the harness captured it.
type logIDState struct {
	thread string
	stderr string
}

// anomalyWarnings are the consumer's warnings for a sequence anomaly (reference/consumer
// doc.go "Logs").
var anomalyWarnings = map[string]bool{"sequence gap": true, "sequence duplicate": true, "sequence reorder": true, "sequence zero": true}

func registerLogIDSteps(sc *godog.ScenarioContext) {
	sc.Step(`^an independent client writes sequences ([0-9, and]+) on a thread whose id is (\d+) times "(.)"$`, forgeLongThread)
	sc.Step(`^the consumer logs (\d+) sequence warnings for that thread, each line at most (\d+) bytes and its thread id cut to at most (\d+) bytes: whole characters of the id, then "([^"]*)"$`, longIDsCut)
}

// forgeLongThread writes, with the harness's own client, one NODE_START event per
// sequence on a thread whose id is c repeated n times; the record key is short, so the id
// travels only inside the (compressed) value.
func forgeLongThread(ctx context.Context, list string, n int, c string) error {
	w := world(ctx)
	if _, err := w.ensureTopic(ctx, "events"); err != nil {
		return err
	}
	st := state[logIDState](w)
	st.thread = strings.Repeat(c, n)
	var headers []chaos.ForgedHeader
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		if f == "and" {
			continue
		}
		seq, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return fmt.Errorf("sequence %q: %w", f, err)
		}
		headers = append(headers, chaos.ForgedHeader{Tenant: producer.DefaultTenant, Thread: st.thread, Sequence: seq, Key: w.name("long-thread")})
	}
	fg := chaos.Forge(w.stack.Kafka(), w.topic("events"), headers)
	h, err := fg.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.During, evidence.KindNote, "records with a long thread id", map[string]any{
		"records": len(headers), "thread_id_bytes": len(st.thread), "producer": fg.Producer()})
	return h.Undo(ctx) // only ends the span: the records stay
}

// longIDsCut reads the consumer's stderr as the harness captured it: exactly n sequence
// warnings whose thread is the long id cut to at most cut bytes (whole characters, then
// marker), and every line of stderr at most maxLine bytes.
func longIDsCut(ctx context.Context, n, maxLine, cut int, marker string) error {
	w := world(ctx)
	st := state[logIDState](w)
	if st.thread == "" {
		return fmt.Errorf("no long thread id was written in this scenario")
	}
	if _, err := w.consumerResult(ctx); err != nil {
		return err
	}
	longest, warnings := 0, 0
	var problems []string
	for _, l := range strings.Split(st.stderr, "\n") {
		longest = max(longest, len(l))
		var entry struct {
			Msg    string `json:"msg"`
			Thread string `json:"thread"`
		}
		if json.Unmarshal([]byte(l), &entry) != nil || !anomalyWarnings[entry.Msg] {
			continue
		}
		warnings++
		if p := cutProblem(st.thread, entry.Thread, cut, marker); p != "" {
			problems = append(problems, fmt.Sprintf("%q: %s", entry.Msg, p))
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindLog, "consumer stderr with a long thread id", map[string]any{
		"longest_line_bytes": longest, "sequence_warnings": warnings, "thread_id_bytes": len(st.thread)})
	if longest > maxLine {
		problems = append(problems, fmt.Sprintf("a line of %d bytes on stderr, longer than %d", longest, maxLine))
	}
	if warnings != n {
		problems = append(problems, fmt.Sprintf("%d sequence warnings, expected %d", warnings, n))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}
