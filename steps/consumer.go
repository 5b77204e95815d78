package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// consumerLine is one JSON line printed by dashstream-consume: a record verdict, a decode
// error, or the summary on stdout; a structured log entry (slog) on stderr.
type consumerLine struct {
	Kind      string `json:"kind"`
	Tenant    string `json:"tenant"`
	Thread    string `json:"thread"`
	Sequence  uint64 `json:"sequence"`
	Verdict   string `json:"verdict"`
	Expected  uint64 `json:"expected"`
	Reason    string `json:"reason"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	// slog fields
	Level    string  `json:"level"`
	Msg      string  `json:"msg"`
	Received uint64  `json:"received"`
	GapSize  *uint64 `json:"gap_size"` // nil when the line has none
	Addr     string  `json:"addr"`     // "metrics listening"
	// summary fields
	Gaps           uint64            `json:"gaps"`
	Duplicates     uint64            `json:"duplicates"`
	Reorders       uint64            `json:"reorders"`
	Zeros          uint64            `json:"zeros"`
	Missing        uint64            `json:"missing"`
	DLQRecords     uint64            `json:"dlq_records"`
	DLQFailures    uint64            `json:"dlq_failures"`
	DecodeFailures map[string]uint64 `json:"decode_failures"`
}

// requiredFields are the fields each kind of line must carry: a field that is missing is
// a failure of its own, never read as 0.
var requiredFields = map[string][]string{
	"record":       {"tenant", "thread", "sequence", "verdict", "expected", "topic", "partition", "offset"},
	"decode_error": {"reason", "topic", "partition", "offset"},
	"summary":      {"received", "gaps", "duplicates", "reorders", "zeros", "missing", "decode_failures", "dlq_records", "dlq_failures"},
}

// parseConsumerLines parses the JSON lines of out and lists, as problems, every line of a
// known kind that lacks a field it must carry.
func parseConsumerLines(out string) ([]consumerLine, []string) {
	var (
		lines    []consumerLine
		problems []string
	)
	for _, l := range strings.Split(out, "\n") {
		var cl consumerLine
		if !strings.HasPrefix(l, "{") || json.Unmarshal([]byte(l), &cl) != nil {
			continue
		}
		lines = append(lines, cl)
		if need := requiredFields[cl.Kind]; need != nil {
			var present map[string]json.RawMessage
			_ = json.Unmarshal([]byte(l), &present)
			for _, f := range need {
				if _, ok := present[f]; !ok {
					problems = append(problems, fmt.Sprintf("a %s line has no %q field: %s", cl.Kind, f, l))
				}
			}
		}
		if cl.Kind == "summary" {
			for _, r := range decodeReasons {
				if _, ok := cl.DecodeFailures[r]; !ok {
					problems = append(problems, fmt.Sprintf("the summary's decode_failures has no reason %q: %s", r, l))
				}
			}
		}
	}
	return lines, problems
}

// consumerView is what the scenario's consumer printed, classified.
type consumerView struct {
	records      []consumerLine // kind=record
	decodeErrors []consumerLine // kind=decode_error
	warnings     []consumerLine // slog WARN entries
	errors       []consumerLine // slog ERROR entries
	summary      *consumerLine
	problems     []string        // lines that lack a field they must carry
	metrics      consumerMetrics // scraped before a long-running consumer stopped; nil otherwise
}

func classify(lines []consumerLine, problems []string) consumerView {
	v := consumerView{problems: problems}
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
		case l.Level == "ERROR":
			v.errors = append(v.errors, l)
		}
	}
	return v
}

// viewOf classifies everything svc's current process printed.
func viewOf(svc stack.Service) consumerView { return classify(parseConsumerLines(svc.Log(0))) }

// complete fails when a line lacked a field or the summary is missing.
func (v consumerView) complete() error {
	if len(v.problems) > 0 {
		return fmt.Errorf("the consumer's output is incomplete: %s (%d such problems)", v.problems[0], len(v.problems))
	}
	if v.summary == nil {
		return fmt.Errorf("the consumer printed no summary")
	}
	return nil
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

// read is how many Kafka records the consumer printed a line for, decodable or not.
func (v consumerView) read() int { return len(v.records) + len(v.decodeErrors) }

// consumerFamily is what the consumer's steps (this file, sequences, DLQ) keep of the
// scenario's consumer.
type consumerFamily struct {
	// view is what the consumer printed, classified, once it ended.
	view *consumerView
	// consumed is how many records the consumer service had read at the last check.
	consumed int
}

// startConsumer starts the consumer as a long-running service reading the topic from its
// start, with extra contract flags, and registers its stop (with its log kept as
// evidence).
func (w *World) startConsumer(ctx context.Context, topic string, extra ...sut.Setting) (stack.Service, error) {
	l := launch{role: sut.Consumer, name: "consumer"}.flag("-topic", topic).flag("-from-start", "").
		flag("-group", w.name("group")).flag("-dlq-topic", w.topic("dlq")).flag("-fetch-max-wait", consumerFetchMaxWait.String())
	l.flags = append(l.flags, extra...)
	if w.stack.Name() == "containers" {
		l.listen = true // a published container port
	} else {
		// A child process binds a port of its own choosing and logs it: a port the stack
		// picked and released could be taken before the consumer binds it.
		l = l.flag("-metrics-addr", "127.0.0.1:0")
	}
	return w.start(ctx, l)
}

// metricsAddr is where the consumer's current process serves its metrics: the stack's
// address, or the one it logged.
func metricsAddr(svc stack.Service) (string, error) {
	if a := svc.Addr(); a != "" {
		return a, nil
	}
	lines, _ := parseConsumerLines(svc.Log(0))
	for _, l := range lines {
		if l.Msg == "metrics listening" && l.Addr != "" {
			return l.Addr, nil
		}
	}
	return "", fmt.Errorf("the consumer did not log where it serves its metrics (\"metrics listening\")")
}

// consumerFetchMaxWait is how long the broker holds the scenario consumer's fetch open.
// It is short so that an idle consumer notices new records, and the settle period after
// the last one, quickly.
const consumerFetchMaxWait = 100 * time.Millisecond

// consumerSettle is how long the consumer must print nothing new before its count is
// taken as final: ten of its fetch waits.
const consumerSettle = 10 * consumerFetchMaxWait

// consumerSeen waits until the consumer service printed a line for at least n records,
// then until a settle period passes with nothing new, and requires exactly n: a record
// read twice or one too many fails as surely as one missing. It remembers n as what the
// consumer has read.
func (w *World) consumerSeen(ctx context.Context, svc stack.Service, n int, within time.Duration) error {
	last, since := -1, time.Now()
	err := w.eventually(ctx, fmt.Sprintf("the consumer to have read %d records, then nothing more for %s", n, consumerSettle), within,
		func(context.Context) (bool, string, error) {
			got := viewOf(svc).read()
			if got != last {
				last, since = got, time.Now()
			}
			settled := got >= n && time.Since(since) >= consumerSettle
			return settled, fmt.Sprintf("%d records read, the last change %.1f s ago", got, time.Since(since).Seconds()), nil
		})
	if err != nil {
		return err
	}
	v := viewOf(svc)
	if len(v.problems) > 0 {
		return v.complete()
	}
	if v.read() != n {
		return fmt.Errorf("the consumer read %d records once it settled, expected exactly %d", v.read(), n)
	}
	state[consumerFamily](w).consumed = n
	return nil
}

// consumerAtEnd checks, against the broker's end offsets, that the consumer printed the
// last record of every partition of topic that holds any: it read everything there is.
func (w *World) consumerAtEnd(ctx context.Context, svc stack.Service, topic string) error {
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("start offsets of %s: %w", topic, err)
	}
	v := viewOf(svc)
	lines := append(v.records, v.decodeErrors...)
	if before := state[sequenceState](w).before; before != nil { // a restarted consumer
		lines = append(append(lines, before.records...), before.decodeErrors...)
	}
	lastRead := map[int32]int64{}
	for _, l := range lines {
		lastRead[l.Partition] = max(lastRead[l.Partition], l.Offset+1)
	}
	var behind []string
	ends.Each(func(o kadm.ListedOffset) {
		start, _ := starts.Lookup(topic, o.Partition)
		if o.Offset > start.Offset && lastRead[o.Partition] != o.Offset {
			behind = append(behind, fmt.Sprintf("partition %d: read up to %d of %d", o.Partition, lastRead[o.Partition], o.Offset))
		}
	})
	sort.Strings(behind)
	if len(behind) > 0 {
		return fmt.Errorf("the consumer did not read to the end of %s: %s", topic, strings.Join(behind, "; "))
	}
	return nil
}

// stopConsumer scrapes the consumer's metrics, stops it gracefully so it prints its
// summary, and returns what it exposed and printed; a summary, a field or an endpoint
// that is missing fails.
func (w *World) stopConsumer(ctx context.Context) (consumerView, error) {
	svc, ok := w.services["consumer"]
	if !ok {
		return consumerView{}, fmt.Errorf("no consumer is running in this scenario")
	}
	var metrics consumerMetrics
	if svc.Running() { // a consumer that runs to its end serves nothing once it ended
		addr, err := metricsAddr(svc)
		if err != nil {
			return consumerView{}, err
		}
		m, err := scrapeFamilies(ctx, addr)
		if err != nil {
			return consumerView{}, fmt.Errorf("the consumer's metrics before it stops: %w", err)
		}
		metrics = consumerMetrics(m)
		w.rec.Evidence(evidence.After, evidence.KindMetric, "consumer metrics before it stopped", metrics.summary())
	}
	if err := svc.Stop(ctx); err != nil {
		return consumerView{}, err
	}
	v := viewOf(svc)
	v.metrics = metrics
	if err := v.complete(); err != nil {
		return v, fmt.Errorf("%w; last output:\n%s", err, svc.Log(20))
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "consumer summary", v.summary)
	return v, nil
}
