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
	flush         time.Duration
	backoffMin    time.Duration
	backoffMax    time.Duration
	dialTimeout   time.Duration
	shutdownGrace time.Duration
	maxSeries     int
	maxTenants    int
	decodeBudget  int
}

// Ranges of the numeric settings (-h shows them; out of range is exit 2).
var (
	lagIntervalRange  = envcfg.Range[time.Duration]{Min: 100 * time.Millisecond, Max: time.Hour}
	dedupRange        = envcfg.Range[time.Duration]{Min: time.Second, Max: 24 * time.Hour}
	backoffRange      = envcfg.Range[time.Duration]{Min: time.Millisecond, Max: 10 * time.Minute}
	dialTimeoutRange  = envcfg.Range[time.Duration]{Min: 100 * time.Millisecond, Max: 5 * time.Minute}
	graceRange        = envcfg.Range[time.Duration]{Min: time.Millisecond, Max: 10 * time.Minute}
	maxSeriesRange    = envcfg.Range[int]{Min: 1, Max: 1_000_000}
	maxTenantsRange   = envcfg.Range[int]{Min: 1, Max: 100_000}
	decodeBudgetRange = envcfg.Range[int]{Min: consumer.MinDecodeBudget, Max: consumer.MaxDecodeBudget}
)

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
	fs.DurationVar(&cfg.lagInterval, "lag-interval", env.Dur("LAG_INTERVAL", exporter.DefaultLagInterval), "how often the lag gauge is refreshed, "+lagIntervalRange.Help()+" (env LAG_INTERVAL)")
	fs.DurationVar(&cfg.dedup, "log-dedup-interval", env.Dur("LOG_DEDUP_INTERVAL", time.Minute), "a repeated Kafka error is logged once per interval, "+dedupRange.Help()+" (env LOG_DEDUP_INTERVAL)")
	fs.DurationVar(&cfg.flush, "log-flush-interval", env.Dur("LOG_FLUSH_INTERVAL", 0), "how often the counts of repeats held back are written when no new repeat came, "+dedupRange.Help()+"; 0 = the dedup interval (env LOG_FLUSH_INTERVAL)")
	fs.DurationVar(&cfg.backoffMin, "backoff-min", env.Dur("KAFKA_BACKOFF_MIN", 250*time.Millisecond), "first Kafka retry delay, "+backoffRange.Help()+" (env KAFKA_BACKOFF_MIN)")
	fs.DurationVar(&cfg.backoffMax, "backoff-max", env.Dur("KAFKA_BACKOFF_MAX", 30*time.Second), "Kafka retry delay cap, "+backoffRange.Help()+", not below -backoff-min (env KAFKA_BACKOFF_MAX)")
	fs.DurationVar(&cfg.dialTimeout, "dial-timeout", env.Dur("KAFKA_DIAL_TIMEOUT", 5*time.Second), "bound on one broker dial, DNS included, "+dialTimeoutRange.Help()+" (env KAFKA_DIAL_TIMEOUT)")
	fs.IntVar(&cfg.maxSeries, "quality-max-series", env.Int("QUALITY_MAX_SERIES", exporter.DefaultMaxQualitySeries), "most dashstream_quality_* series kept, "+maxSeriesRange.Help()+"; a new one evicts the least recently updated (env QUALITY_MAX_SERIES)")
	fs.IntVar(&cfg.maxTenants, "max-tenants", env.Int("MAX_TENANTS", exporter.DefaultMaxTenants), "most distinct tenant label values, "+maxTenantsRange.Help()+"; later tenants are labelled (other) (env MAX_TENANTS)")
	fs.IntVar(&cfg.decodeBudget, "decode-budget", env.Int("DECODE_BUDGET", consumer.DefaultDecodeBudget), envcfg.DecodeBudgetUsage+", "+decodeBudgetRange.Help()+" (env DECODE_BUDGET)")
	fs.DurationVar(&cfg.shutdownGrace, "shutdown-grace", env.Dur("SHUTDOWN_GRACE", 5*time.Second), "how long a shutdown waits for requests in flight, "+graceRange.Help()+" (env SHUTDOWN_GRACE)")
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
	problems = append(problems, lagIntervalRange.Check("lag interval (LAG_INTERVAL, -lag-interval)", cfg.lagInterval)...)
	problems = append(problems, dedupRange.Check("log dedup interval (LOG_DEDUP_INTERVAL, -log-dedup-interval)", cfg.dedup)...)
	if cfg.flush != 0 {
		problems = append(problems, dedupRange.Check("log flush interval (LOG_FLUSH_INTERVAL, -log-flush-interval)", cfg.flush)...)
	}
	problems = append(problems, backoffRange.Check("backoff min (KAFKA_BACKOFF_MIN, -backoff-min)", cfg.backoffMin)...)
	problems = append(problems, backoffRange.Check("backoff max (KAFKA_BACKOFF_MAX, -backoff-max)", cfg.backoffMax)...)
	problems = append(problems, dialTimeoutRange.Check("dial timeout (KAFKA_DIAL_TIMEOUT, -dial-timeout)", cfg.dialTimeout)...)
	problems = append(problems, graceRange.Check("shutdown grace (SHUTDOWN_GRACE, -shutdown-grace)", cfg.shutdownGrace)...)
	problems = append(problems, maxSeriesRange.Check("quality max series (QUALITY_MAX_SERIES, -quality-max-series)", cfg.maxSeries)...)
	problems = append(problems, maxTenantsRange.Check("max tenants (MAX_TENANTS, -max-tenants)", cfg.maxTenants)...)
	problems = append(problems, decodeBudgetRange.Check("decode budget (DECODE_BUDGET, -decode-budget)", cfg.decodeBudget)...)
	if cfg.backoffMin > cfg.backoffMax {
		problems = append(problems, fmt.Sprintf("backoff min %s is above backoff max %s", cfg.backoffMin, cfg.backoffMax))
	}
	if len(problems) > 0 {
		return cfg, envcfg.UsageError{Err: errors.New(strings.Join(problems, "; "))}
	}
	return cfg, nil
}
