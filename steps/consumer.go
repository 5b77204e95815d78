package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

// consumerLine is one JSON line printed by dashstream-consume: a record verdict, a decode
// error, or the summary on stdout; a structured log entry (slog) on stderr.
type consumerLine struct {
	Kind     string `json:"kind"`
	Tenant   string `json:"tenant"`
	Thread   string `json:"thread"`
	Sequence uint64 `json:"sequence"`
	Verdict  string `json:"verdict"`
	Expected uint64 `json:"expected"`
	Reason   string `json:"reason"`
	// slog fields
	Level    string `json:"level"`
	Msg      string `json:"msg"`
	Received uint64 `json:"received"`
	// summary fields
	Gaps           uint64            `json:"gaps"`
	Duplicates     uint64            `json:"duplicates"`
	Reorders       uint64            `json:"reorders"`
	DecodeFailures map[string]uint64 `json:"decode_failures"`
}

func parseConsumerLines(out string) []consumerLine {
	var lines []consumerLine
	for _, l := range strings.Split(out, "\n") {
		var cl consumerLine
		if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &cl) == nil {
			lines = append(lines, cl)
		}
	}
	return lines
}

// consumerView is what the scenario's consumer printed, classified.
type consumerView struct {
	records      []consumerLine // kind=record
	decodeErrors []consumerLine // kind=decode_error
	warnings     []consumerLine // slog WARN entries
	summary      *consumerLine
}

func classify(lines []consumerLine) consumerView {
	var v consumerView
	for i := range lines {
		switch l := lines[i]; {
		case l.Kind == "record":
			v.records = append(v.records, l)
		case l.Kind == "decode_error":
			v.decodeErrors = append(v.decodeErrors, l)
		case l.Kind == "summary":
			v.summary = &lines[i]
		case l.Level == "WARN":
			v.warnings = append(v.warnings, l)
		}
	}
	return v
}

func (v consumerView) verdicts(verdict string) []consumerLine {
	var out []consumerLine
	for _, r := range v.records {
		if r.Verdict == verdict {
			out = append(out, r)
		}
	}
	return out
}

// startConsumer starts dashstream-consume as a long-running service reading the topic
// from its start, and registers its stop (with its log kept as evidence).
func (w *World) startConsumer(ctx context.Context, topic string) (stack.Service, error) {
	return w.startService(ctx, stack.ServiceSpec{Name: "consumer", Binary: stack.Consume,
		Args: []string{"-topic", topic, "-from-start", "-group", w.name("group"), "-dlq-topic", w.topic("dlq"),
			"-fetch-max-wait", consumerFetchMaxWait.String()}})
}

// consumerFetchMaxWait is how long the broker holds the scenario consumer's fetch open.
// It is short so that a paused consumer has no fetch outstanding for long: a fetch the
// broker answers while the consumer is frozen is delivered when it resumes.
const consumerFetchMaxWait = 100 * time.Millisecond

// consumerSeen waits until the consumer service printed at least n record verdicts and
// remembers n as what the consumer has read.
func (w *World) consumerSeen(ctx context.Context, svc stack.Service, n int, within time.Duration) error {
	err := w.eventually(ctx, fmt.Sprintf("the consumer to have read %d records", n), within,
		func(context.Context) (bool, string, error) {
			got := len(classify(parseConsumerLines(svc.Log(0))).records)
			return got >= n, fmt.Sprintf("%d records read", got), nil
		})
	if err == nil {
		w.consumed = n
	}
	return err
}

// stopConsumer stops the consumer gracefully so it prints its summary, and returns what
// it printed.
func (w *World) stopConsumer(ctx context.Context) (consumerView, error) {
	svc, ok := w.services["consumer"]
	if !ok {
		return consumerView{}, fmt.Errorf("no consumer is running in this scenario")
	}
	if err := svc.Stop(ctx); err != nil {
		return consumerView{}, err
	}
	v := classify(parseConsumerLines(svc.Log(0)))
	if v.summary == nil {
		return v, fmt.Errorf("the consumer printed no summary; last output:\n%s", svc.Log(20))
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "consumer summary", v.summary)
	return v, nil
}
