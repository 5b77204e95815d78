package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// readRecord is a record read back from Kafka and decoded by the harness's own decoder
// (system/observe/wiredecode), independently of the pipeline's wire package.
type readRecord struct {
	Partition int32
	Offset    int64
	Key       string
	// Headers are the record's headers by key, every value in arrival order.
	Headers map[string][]string
	Framing byte // the value's first byte
	// Msg is the decoded value (zero when Err is set) and Header its header (nil when Err
	// is set; its getters then return zeros).
	Msg    wiredecode.Record
	Header *wiredecode.Header
	Err    error
}

// ensureTopic creates the scenario's topic for a logical name if it does not exist yet
// and returns its real name. Topics are created explicitly (3 partitions, replicated on
// every broker up to 3) so they survive a broker kill on every stack.
func (w *World) ensureTopic(ctx context.Context, logical string) (string, error) {
	topic := w.topic(logical)
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return "", err
	}
	defer adm.Close()
	rf := int16(min(3, len(w.stack.Kafka().Brokers())))
	resp, err := adm.CreateTopic(ctx, 3, rf, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errorsIsTopicExists(err) {
		return "", fmt.Errorf("create topic %s: %w", topic, err)
	}
	return topic, nil
}

func errorsIsTopicExists(err error) bool { return errors.Is(err, kerr.TopicAlreadyExists) }

// runState is the last run-to-completion of a role (the quality aggregator, a server
// started with one setting), whose exit the tenant and settings steps judge.
type runState struct{ last *stack.Result }

// runProducer runs the quality aggregator (dashstream-produce) to completion and records
// its result as evidence.
func (w *World) runProducer(ctx context.Context, env map[string]string, args ...string) (stack.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if len(args)%2 != 0 {
		return stack.Result{}, fmt.Errorf("runProducer: flags come in pairs (-flag value), got %q", args)
	}
	l := launch{role: sut.Aggregator, name: "quality-aggregator", env: env}
	for i := 0; i < len(args); i += 2 {
		l = l.flag(args[i], args[i+1])
	}
	res, err := w.run(ctx, l)
	state[runState](w).last = &res
	w.rec.Evidence(evidence.During, evidence.KindLog, "quality aggregator "+strings.Join(args, " "), map[string]any{
		"env": env, "exit_code": res.ExitCode, "stdout": proc.LastLines(res.Stdout, 5), "stderr": proc.LastLines(res.Stderr, 10),
		"seconds": res.Duration.Seconds(),
	})
	return res, err
}

// readBack reads the topic from the start with a plain franz-go client and decodes every
// record with the harness's own decoder, until want records arrived or within elapsed.
func (w *World) readBack(ctx context.Context, topic string, want int, within time.Duration) ([]readRecord, error) {
	cl, err := w.stack.Kafka().Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	dec := wiredecode.New()
	var out []readRecord
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, fmt.Errorf("read %d of %d records from %s within %s", len(out), want, topic, within)
		}
		fs.EachError(func(t string, p int32, err error) {
			w.rec.Mark(evidence.EventNote, "fetch error", fmt.Sprintf("%s/%d: %v", t, p, err))
		})
		fs.EachRecord(func(r *kgo.Record) {
			rr := readRecord{Partition: r.Partition, Offset: r.Offset, Key: string(r.Key), Headers: map[string][]string{}}
			for _, h := range r.Headers {
				rr.Headers[h.Key] = append(rr.Headers[h.Key], string(h.Value))
			}
			if len(r.Value) > 0 {
				rr.Framing = r.Value[0]
			}
			if msg, err := dec.Decode(r.Value); err != nil {
				rr.Err = err
			} else {
				h := msg.Header
				rr.Msg, rr.Header = msg, &h
			}
			out = append(out, rr)
		})
	}
	return out, nil
}

// endOffsets returns the sum of the topic's end offsets: how many records it ever held.
func (w *World) endOffsets(ctx context.Context, topic string) (int64, error) {
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return 0, err
	}
	defer adm.Close()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	return total, nil
}

// summaryLine parses the last JSON line of a binary's output.
func summaryLine(stdout string, v any) error {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) == 0 || lines[len(lines)-1] == "" {
		return fmt.Errorf("no summary line in the output")
	}
	return json.Unmarshal([]byte(lines[len(lines)-1]), v)
}
