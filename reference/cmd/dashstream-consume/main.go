// Command dashstream-consume tails DashStream topics with the reference consumer: it
// validates sequences and prints one JSON line per record and a JSON summary line.
//
// Environment: KAFKA_BROKERS (comma list, default localhost:9092). Flags: -topic,
// -group (empty = no group, nothing committed), -from-start (otherwise only records
// written after it started, or after the group's committed offsets), -max-records (stop
// after that many records, decodable or not; 0 = no limit), -timeout (stop after that
// long; 0 = until SIGINT/SIGTERM), -dlq-topic, -max-payload, -max-threads (threads the
// sequence validator tracks; 0 = its default), -decode-budget (env DECODE_BUDGET: the most
// decoded bytes held at once, default 64 MiB, 1 MiB to 64 GiB), -connect-timeout, -metrics-addr (env
// METRICS_ADDR; empty, the default, serves nothing): where GET /metrics serves the
// consumer's metrics (package consumer) while it runs. The address bound is logged on
// stderr ("metrics listening", addr): with port 0 the system picks a free port, which no
// other process can take between its choice and the bind.
//
// Output lines (stdout), each with "kind":
//
//	{"kind":"record","tenant":..,"thread":..,"sequence":..,"type":"event","verdict":"ok","expected":..,"topic":..,"partition":..,"offset":..}
//	{"kind":"decode_error","reason":"framing","error":..,"topic":..,"partition":..,"offset":..}
//	{"kind":"summary","received":..,"gaps":..,"duplicates":..,"reorders":..,"zeros":..,"missing":..,"decode_failures":{"framing":0,...},"dlq_records":..,"dlq_failures":..,...}
//
// dlq_records counts the dead-letter copies acknowledged, dlq_failures those that failed
// (each also logged as "dead-letter copy failed"): a record up to the maximum payload is
// copied whole (package consumer, DLQOverhead); a topic whose max.message.bytes is
// smaller refuses it, and the summary says so.
//
// Tenant and thread ids longer than 256 bytes are printed cut (wire.CutID: a prefix that
// never splits a character, then "…[cut]"). The summary counts what was printed. Exit codes: 0 done (limit reached, timeout without
// a limit, or interrupted); 1 -max-records not reached before -timeout, or a fatal Kafka
// error; 2 bad input (flags, unreachable brokers), one line on stderr.
//
// Trap: with -group, records fetched in the same batch as the last one printed are
// committed too, though not printed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/envcfg"
)

const name = "dashstream-consume"

type config struct {
	topic          string
	group          string
	fromStart      bool
	maxRecords     int
	timeout        time.Duration
	dlq            string
	maxPayload     int
	connectTimeout time.Duration
	fetchMaxWait   time.Duration
	metricsAddr    string
	maxThreads     int
	decodeBudget   int
}

// Ranges of the numeric flags (-h shows them; out of range is exit 2).
var (
	maxRecordsRange     = envcfg.Range[int]{Min: 1, Max: 1_000_000_000, Zero: "no limit"}
	timeoutRange        = envcfg.Range[time.Duration]{Min: time.Millisecond, Max: 30 * 24 * time.Hour, Zero: "until SIGINT or SIGTERM"}
	maxPayloadRange     = envcfg.Range[int]{Min: 1 << 10, Max: consumer.MaxMaxPayload, Zero: "10 MiB"}
	connectTimeoutRange = envcfg.Range[time.Duration]{Min: 100 * time.Millisecond, Max: 10 * time.Minute}
	fetchMaxWaitRange   = envcfg.Range[time.Duration]{Min: 10 * time.Millisecond, Max: time.Minute}
	maxThreadsRange     = envcfg.Range[int]{Min: 1, Max: 10_000_000, Zero: "the default (100 000)"}
	decodeBudgetRange   = envcfg.Range[int]{Min: consumer.MinDecodeBudget, Max: consumer.MaxDecodeBudget}
)

// usageError is bad input: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = consume(ctx, cfg, stdout, stderr)
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, strings.NewReplacer("\r", " ", "\n", " ").Replace(err.Error()))
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

func parse(args []string, stderr io.Writer) (config, error) {
	var cfg config
	env := &envcfg.Defaults{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one line by run; -h prints usage below
	fs.StringVar(&cfg.topic, "topic", consumer.DefaultTopic, "topic to consume (comma list for several)")
	fs.StringVar(&cfg.group, "group", "", "consumer group; empty = no group, nothing committed")
	fs.BoolVar(&cfg.fromStart, "from-start", false, "read from the start of each partition (otherwise from the end, or the group's commits)")
	fs.IntVar(&cfg.maxRecords, "max-records", 0, "stop after this many records, decodable or not; "+maxRecordsRange.Help())
	fs.DurationVar(&cfg.timeout, "timeout", 0, "stop after this long; "+timeoutRange.Help())
	fs.StringVar(&cfg.dlq, "dlq-topic", consumer.DefaultDLQTopic, "topic for undecodable records; empty = no copy")
	fs.IntVar(&cfg.maxPayload, "max-payload", 0, "largest value and decompressed content in bytes; "+maxPayloadRange.Help())
	fs.DurationVar(&cfg.connectTimeout, "connect-timeout", 5*time.Second, "how long the up-front broker check may take, "+connectTimeoutRange.Help())
	fs.DurationVar(&cfg.fetchMaxWait, "fetch-max-wait", 5*time.Second, "how long the broker may hold a fetch open waiting for new records, "+fetchMaxWaitRange.Help())
	fs.IntVar(&cfg.maxThreads, "max-threads", 0, "most threads the sequence validator tracks at once; "+maxThreadsRange.Help())
	fs.IntVar(&cfg.decodeBudget, "decode-budget", env.Int("DECODE_BUDGET", consumer.DefaultDecodeBudget), envcfg.DecodeBudgetUsage+"; "+decodeBudgetRange.Help()+" (env DECODE_BUDGET)")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", os.Getenv("METRICS_ADDR"), "listen address of GET /metrics (env METRICS_ADDR); empty = none")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: %s [flags]   (env KAFKA_BROKERS)\n", name)
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, usageError{fmt.Errorf("%w (see -h)", err)}
	}
	problems := env.Problems
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q: every setting is a flag", fs.Arg(0)))
	}
	if len(envcfg.SplitList(cfg.topic)) == 0 {
		problems = append(problems, "-topic is empty")
	}
	problems = append(problems, maxRecordsRange.Check("-max-records", cfg.maxRecords)...)
	problems = append(problems, timeoutRange.Check("-timeout", cfg.timeout)...)
	problems = append(problems, maxThreadsRange.Check("-max-threads", cfg.maxThreads)...)
	problems = append(problems, maxPayloadRange.Check("-max-payload", cfg.maxPayload)...)
	problems = append(problems, connectTimeoutRange.Check("-connect-timeout", cfg.connectTimeout)...)
	problems = append(problems, fetchMaxWaitRange.Check("-fetch-max-wait", cfg.fetchMaxWait)...)
	problems = append(problems, decodeBudgetRange.Check("-decode-budget", cfg.decodeBudget)...)
	if len(problems) > 0 {
		return cfg, usageError{errors.New(strings.Join(problems, "; "))}
	}
	return cfg, nil
}

// newConsumer builds the consumer and checks, within the connect timeout, that a broker
// answers; both failures are bad input.
func newConsumer(ctx context.Context, cfg config, opts ...consumer.Opt) (*consumer.Consumer, error) {
	reset := kgo.NewOffset().AtEnd()
	if cfg.fromStart {
		reset = kgo.NewOffset().AtStart()
	}
	base := []consumer.Opt{
		consumer.Topics(envcfg.SplitList(cfg.topic)...),
		consumer.Group(cfg.group),
		consumer.DLQTopic(cfg.dlq),
		consumer.MaxPayload(cfg.maxPayload),
		consumer.ResetOffset(reset),
		consumer.MaxThreads(cfg.maxThreads),
		consumer.DecodeBudget(int64(cfg.decodeBudget)),
		consumer.ClientOpts(kgo.FetchMaxWait(cfg.fetchMaxWait)),
	}
	if b := envcfg.Brokers(); len(b) > 0 {
		base = append(base, consumer.Brokers(b...))
	}
	envcfg.MemoryLimitFor(int64(cfg.decodeBudget))
	c, err := consumer.New(append(base, opts...)...)
	if err != nil {
		return nil, usageError{err}
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.connectTimeout)
	defer cancel()
	if err := c.Client().Ping(pctx); err != nil {
		c.Close()
		brokers := strings.Join(envcfg.Brokers(), ",")
		if brokers == "" {
			brokers = "localhost:9092 (KAFKA_BROKERS is not set)"
		}
		return nil, usageError{fmt.Errorf("kafka at %s did not answer within %s: %w: check KAFKA_BROKERS and that the brokers run",
			brokers, cfg.connectTimeout, err)}
	}
	return c, nil
}
