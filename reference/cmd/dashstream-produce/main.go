// Command dashstream-produce is the reference quality aggregator and load generator: it
// writes DashStream messages with the reference producer and prints one JSON summary line.
//
// Environment: KAFKA_BROKERS (comma list, default localhost:9092), TENANT_ID (default
// "default"). Flags: -topic, -threads, -messages (per thread, 0 = until SIGINT/SIGTERM),
// -rate (messages per second in total, 0 = as fast as possible), -payload-size (bytes of
// attribute padding), -padding text|random (compressible text, or random bytes that zstd
// cannot shrink), -compress-threshold, -kind event|quality (quality = Metrics with
// scope "quality", to dashstream-quality unless -topic says otherwise), -thread-prefix,
// -connect-timeout, -flush-timeout. Every numeric flag has a range, shown by -h (for
// example -rate 0.001 to 1e+07, or 0 = as fast as possible); a value outside it, NaN
// included, is bad input.
//
// Exit codes: 0 every message acknowledged; 1 some failed (the summary says how many);
// 2 bad input (flags, invalid tenant, unreachable brokers), reported as one line on stderr
// before anything is produced.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/reference/internal/envcfg"
	"github.com/dashstream/acceptance/reference/producer"
	"github.com/dashstream/acceptance/reference/wire"
)

const name = "dashstream-produce"

// config is the parsed command line.
type config struct {
	topic          string
	threads        int
	messages       int
	rate           float64
	payloadSize    int
	padding        string
	compress       int
	kind           string
	threadPrefix   string
	connectTimeout time.Duration
	flushTimeout   time.Duration
}

// Ranges of the numeric flags (-h shows them; out of range is exit 2).
var (
	threadsRange        = envcfg.Range[int]{Min: 1, Max: 100_000}
	messagesRange       = envcfg.Range[int]{Min: 1, Max: 1_000_000_000, Zero: "until SIGINT or SIGTERM"}
	rateRange           = envcfg.Range[float64]{Min: 0.001, Max: 10_000_000, Zero: "as fast as possible"}
	payloadRange        = envcfg.Range[int]{Min: 0, Max: wire.DefaultMaxPayload}
	compressRange       = envcfg.Range[int]{Min: 0, Max: wire.DefaultMaxPayload}
	connectTimeoutRange = envcfg.Range[time.Duration]{Min: 100 * time.Millisecond, Max: 10 * time.Minute}
	flushTimeoutRange   = envcfg.Range[time.Duration]{Min: 100 * time.Millisecond, Max: time.Hour}
)

// maxThreadPrefix bounds -thread-prefix, so thread ids stay short in every log and label.
const maxThreadPrefix = 200

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
		var sum summary
		sum, err = produce(ctx, cfg)
		if sum.Produced > 0 || err == nil {
			_ = json.NewEncoder(stdout).Encode(sum)
		}
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err))
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

func parse(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one line by run; -h prints usage below
	fs.StringVar(&cfg.topic, "topic", producer.DefaultTopic, "topic to write to (default dashstream-quality with -kind quality)")
	fs.IntVar(&cfg.threads, "threads", 1, "number of threads (record keys) to write, each with its own sequence, "+threadsRange.Help())
	fs.IntVar(&cfg.messages, "messages", 100, "messages per thread; "+messagesRange.Help())
	fs.Float64Var(&cfg.rate, "rate", 0, "messages per second over all threads; "+rateRange.Help())
	fs.IntVar(&cfg.payloadSize, "payload-size", 0, "bytes of attribute padding per message, "+payloadRange.Help())
	fs.StringVar(&cfg.padding, "padding", "text", "what the padding is: text (compresses well) or random (random bytes, does not compress)")
	fs.IntVar(&cfg.compress, "compress-threshold", 512, "marshalled size in bytes above which values are zstd compressed, "+compressRange.Help()+"; negative disables")
	fs.StringVar(&cfg.kind, "kind", "event", "what to write: event (NODE_START/NODE_END events) or quality (Metrics with scope \"quality\")")
	fs.StringVar(&cfg.threadPrefix, "thread-prefix", "thread-", fmt.Sprintf("thread ids are this prefix followed by a 4-digit index; at most %d bytes", maxThreadPrefix))
	fs.DurationVar(&cfg.connectTimeout, "connect-timeout", 5*time.Second, "how long the up-front broker check may take, "+connectTimeoutRange.Help())
	fs.DurationVar(&cfg.flushTimeout, "flush-timeout", 30*time.Second, "how long to wait for outstanding acknowledgements at the end, "+flushTimeoutRange.Help())
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: %s [flags]   (env KAFKA_BROKERS, TENANT_ID)\n", name)
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, usageError{fmt.Errorf("%w (see -h)", err)}
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", fs.Arg(0))}
	}
	topicSet := false
	fs.Visit(func(f *flag.Flag) { topicSet = topicSet || f.Name == "topic" })
	var problems []string
	switch cfg.kind {
	case "event":
	case "quality":
		if !topicSet {
			cfg.topic = "dashstream-quality"
		}
	default:
		problems = append(problems, fmt.Sprintf("-kind %q is not event or quality", cfg.kind))
	}
	problems = append(problems, threadsRange.Check("-threads", cfg.threads)...)
	problems = append(problems, messagesRange.Check("-messages", cfg.messages)...)
	problems = append(problems, rateRange.Check("-rate", cfg.rate)...)
	problems = append(problems, payloadRange.Check("-payload-size", cfg.payloadSize)...)
	if cfg.compress >= 0 {
		problems = append(problems, compressRange.Check("-compress-threshold", cfg.compress)...)
	}
	if len(cfg.threadPrefix) > maxThreadPrefix {
		problems = append(problems, fmt.Sprintf("-thread-prefix is %d bytes, longer than %d: shorten it", len(cfg.threadPrefix), maxThreadPrefix))
	}
	if cfg.padding != "text" && cfg.padding != "random" {
		problems = append(problems, fmt.Sprintf("-padding %q is not text or random", cfg.padding))
	}
	if cfg.topic == "" {
		problems = append(problems, "-topic is empty")
	}
	problems = append(problems, connectTimeoutRange.Check("-connect-timeout", cfg.connectTimeout)...)
	problems = append(problems, flushTimeoutRange.Check("-flush-timeout", cfg.flushTimeout)...)
	if len(problems) > 0 {
		return cfg, usageError{errors.New(strings.Join(problems, "; "))}
	}
	return cfg, nil
}

// newProducer builds the producer and checks, within the connect timeout, that a broker
// answers. Both failures are bad input.
func newProducer(ctx context.Context, cfg config) (*producer.Producer, error) {
	p, err := producer.NewFromEnv(producer.Topic(cfg.topic), producer.CompressThreshold(cfg.compress))
	if err != nil {
		if errors.Is(err, producer.ErrInvalidTenant) {
			return nil, usageError{fmt.Errorf("%s: %w", envcfg.EnvTenant, err)}
		}
		return nil, usageError{err}
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.connectTimeout)
	defer cancel()
	if err := p.Ping(pctx); err != nil {
		p.Close()
		brokers := strings.Join(envcfg.Brokers(), ",")
		if brokers == "" {
			brokers = "localhost:9092 (KAFKA_BROKERS is not set)"
		}
		return nil, usageError{fmt.Errorf("kafka at %s did not answer within %s: %w: check KAFKA_BROKERS and that the brokers run",
			brokers, cfg.connectTimeout, err)}
	}
	return p, nil
}

func oneLine(err error) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(err.Error())
}
