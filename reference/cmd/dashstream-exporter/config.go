package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/exporter"
	"github.com/dashstream/acceptance/reference/internal/envcfg"
)

type config struct {
	addr          string
	brokers       []string
	topics        []string
	group         string
	lagGroups     []string
	dlq           string
	lagInterval   time.Duration
	dedup         time.Duration
	backoffMin    time.Duration
	backoffMax    time.Duration
	dialTimeout   time.Duration
	shutdownGrace time.Duration
	maxSeries     int
	decodeBudget  int
}

func parse(args []string, stderr io.Writer) (config, error) {
	var cfg config
	env := &envcfg.Defaults{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.addr, "metrics-addr", env.Str("METRICS_ADDR", ":8080"), "listen address of /metrics, /readyz, /healthz (env METRICS_ADDR)")
	brokers := fs.String("brokers", env.Str(envcfg.EnvBrokers, ""), "Kafka bootstrap servers, comma list (env KAFKA_BROKERS; default localhost:9092)")
	topics := fs.String("topics", env.Str("KAFKA_TOPICS", strings.Join(exporter.DefaultTopics, ",")), "topics to consume, comma list (env KAFKA_TOPICS)")
	fs.StringVar(&cfg.group, "group", env.Str("KAFKA_GROUP", ""), "consumer group; empty = every partition from its start, nothing committed (env KAFKA_GROUP)")
	lagGroups := fs.String("lag-groups", env.Str("KAFKA_LAG_GROUPS", ""), "consumer groups of other applications whose lag is exported too, comma list (env KAFKA_LAG_GROUPS)")
	fs.StringVar(&cfg.dlq, "dlq-topic", env.Str("DLQ_TOPIC", consumer.DefaultDLQTopic), "topic for undecodable records; empty = no copy (env DLQ_TOPIC)")
	fs.DurationVar(&cfg.lagInterval, "lag-interval", env.Dur("LAG_INTERVAL", exporter.DefaultLagInterval), "how often the lag gauge is refreshed (env LAG_INTERVAL)")
	fs.DurationVar(&cfg.dedup, "log-dedup-interval", env.Dur("LOG_DEDUP_INTERVAL", time.Minute), "a repeated Kafka error is logged once per interval (env LOG_DEDUP_INTERVAL)")
	fs.DurationVar(&cfg.backoffMin, "backoff-min", env.Dur("KAFKA_BACKOFF_MIN", 250*time.Millisecond), "first Kafka retry delay (env KAFKA_BACKOFF_MIN)")
	fs.DurationVar(&cfg.backoffMax, "backoff-max", env.Dur("KAFKA_BACKOFF_MAX", 30*time.Second), "Kafka retry delay cap (env KAFKA_BACKOFF_MAX)")
	fs.DurationVar(&cfg.dialTimeout, "dial-timeout", env.Dur("KAFKA_DIAL_TIMEOUT", 5*time.Second), "bound on one broker dial, DNS included (env KAFKA_DIAL_TIMEOUT)")
	fs.IntVar(&cfg.maxSeries, "quality-max-series", env.Int("QUALITY_MAX_SERIES", exporter.DefaultMaxQualitySeries), "most dashstream_quality_* series kept; a new one evicts the least recently updated (env QUALITY_MAX_SERIES)")
	fs.IntVar(&cfg.decodeBudget, "decode-budget", env.Int("DECODE_BUDGET", consumer.DefaultDecodeBudget), envcfg.DecodeBudgetUsage)
	fs.DurationVar(&cfg.shutdownGrace, "shutdown-grace", env.Dur("SHUTDOWN_GRACE", 5*time.Second), "how long a shutdown waits for requests in flight (env SHUTDOWN_GRACE)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: %s [flags]   (every flag has an environment variable)\n", name)
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, envcfg.UsageError{Err: fmt.Errorf("%w (see -h)", err)}
	}
	problems := env.Problems
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q: every setting is a flag or an environment variable", fs.Arg(0)))
	}
	if _, _, err := net.SplitHostPort(cfg.addr); err != nil {
		problems = append(problems, fmt.Sprintf("metrics address %q is not host:port (like :8080)", cfg.addr))
	}
	cfg.brokers = envcfg.SplitList(*brokers)
	problems = append(problems, envcfg.BrokerProblems(cfg.brokers)...)
	if cfg.topics = envcfg.SplitList(*topics); len(cfg.topics) == 0 {
		problems = append(problems, "no topics: set KAFKA_TOPICS or -topics")
	}
	cfg.lagGroups = envcfg.SplitList(*lagGroups)
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"lag interval", cfg.lagInterval}, {"log dedup interval", cfg.dedup}, {"backoff min", cfg.backoffMin},
		{"backoff max", cfg.backoffMax}, {"dial timeout", cfg.dialTimeout}, {"shutdown grace", cfg.shutdownGrace}} {
		if d.v <= 0 {
			problems = append(problems, fmt.Sprintf("%s %s must be positive", d.name, d.v))
		}
	}
	if cfg.maxSeries <= 0 {
		problems = append(problems, fmt.Sprintf("quality max series %d must be positive", cfg.maxSeries))
	}
	if p := envcfg.RangeProblem("decode budget", int64(cfg.decodeBudget), consumer.MinDecodeBudget, consumer.MaxDecodeBudget); p != "" {
		problems = append(problems, p)
	}
	if cfg.backoffMin > cfg.backoffMax {
		problems = append(problems, fmt.Sprintf("backoff min %s is above backoff max %s", cfg.backoffMin, cfg.backoffMax))
	}
	if len(problems) > 0 {
		return cfg, envcfg.UsageError{Err: errors.New(strings.Join(problems, "; "))}
	}
	return cfg, nil
}
