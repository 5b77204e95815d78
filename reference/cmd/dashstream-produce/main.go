// Command dashstream-produce is the reference quality aggregator and load generator: it
// writes DashStream messages with the reference producer and prints one JSON summary line.
//
// Environment: KAFKA_BROKERS (comma list, default localhost:9092), TENANT_ID (default
// "default"). Flags: -topic, -threads, -messages (per thread, 0 = until SIGINT/SIGTERM),
// -rate (messages per second in total, 0 = as fast as possible), -payload-size (bytes of
// attribute padding), -padding text|random (compressible text, or random bytes that zstd
// cannot shrink), -compress-threshold, -kind event|quality (quality = Metrics with
// scope "quality", to dashstream-quality unless -topic says otherwise), -thread-prefix,
// -connect-timeout, -flush-timeout.
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
	fs.IntVar(&cfg.threads, "threads", 1, "number of threads (record keys) to write, each with its own sequence")
	fs.IntVar(&cfg.messages, "messages", 100, "messages per thread; 0 = until SIGINT or SIGTERM")
	fs.Float64Var(&cfg.rate, "rate", 0, "messages per second over all threads; 0 = as fast as possible")
	fs.IntVar(&cfg.payloadSize, "payload-size", 0, "bytes of attribute padding per message")
	fs.StringVar(&cfg.padding, "padding", "text", "what the padding is: text (compresses well) or random (random bytes, does not compress)")
	fs.IntVar(&cfg.compress, "compress-threshold", 512, "marshalled size in bytes above which values are zstd compressed; negative disables")
	fs.StringVar(&cfg.kind, "kind", "event", "what to write: event (NODE_START/NODE_END events) or quality (Metrics with scope \"quality\")")
	fs.StringVar(&cfg.threadPrefix, "thread-prefix", "thread-", "thread ids are this prefix followed by a 4-digit index")
	fs.DurationVar(&cfg.connectTimeout, "connect-timeout", 5*time.Second, "how long the up-front broker check may take")
	fs.DurationVar(&cfg.flushTimeout, "flush-timeout", 30*time.Second, "how long to wait for outstanding acknowledgements at the end")
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
	if cfg.threads < 1 {
		problems = append(problems, fmt.Sprintf("-threads %d must be at least 1", cfg.threads))
	}
	if cfg.messages < 0 {
		problems = append(problems, fmt.Sprintf("-messages %d must be 0 (until stopped) or more", cfg.messages))
	}
	if cfg.rate < 0 {
		problems = append(problems, fmt.Sprintf("-rate %g must be 0 (unlimited) or more", cfg.rate))
	}
	if cfg.payloadSize < 0 {
		problems = append(problems, fmt.Sprintf("-payload-size %d must be 0 or more", cfg.payloadSize))
	}
	if cfg.padding != "text" && cfg.padding != "random" {
		problems = append(problems, fmt.Sprintf("-padding %q is not text or random", cfg.padding))
	}
	if cfg.topic == "" {
		problems = append(problems, "-topic is empty")
	}
	if cfg.connectTimeout <= 0 || cfg.flushTimeout <= 0 {
		problems = append(problems, "-connect-timeout and -flush-timeout must be positive")
	}
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
