package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/envcfg"
	"github.com/dashstream/acceptance/reference/wsserver"
)

type config struct {
	addr            string
	brokers         []string
	topics          []string
	window          time.Duration
	staleAfter      time.Duration
	reconnecting    time.Duration
	probeInterval   time.Duration
	origins         []string
	token           string
	queueSize       int
	queueBytes      int
	disconnectAfter int
	readLimit       int
	writeTimeout    time.Duration
	breaker         wsserver.BreakerConfig
	dedup           time.Duration
	backoffMin      time.Duration
	backoffMax      time.Duration
	dialTimeout     time.Duration
	metadataMinAge  time.Duration
	shutdownGrace   time.Duration
	decodeBudget    int
}

func parse(args []string, stderr io.Writer) (config, error) {
	var cfg config
	env := &envcfg.Defaults{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.addr, "addr", env.Str("WS_ADDR", ":8081"), "listen address of /ws, /health, /metrics (env WS_ADDR)")
	brokers := fs.String("brokers", env.Str(envcfg.EnvBrokers, ""), "Kafka bootstrap servers, comma list (env KAFKA_BROKERS; default localhost:9092)")
	topics := fs.String("topics", env.Str("KAFKA_TOPICS", strings.Join(wsserver.DefaultTopics, ",")), "topics to consume, comma list (env KAFKA_TOPICS)")
	fs.DurationVar(&cfg.window, "health-window", env.Dur("HEALTH_WINDOW", wsserver.DefaultHealthWindow), "sliding window of recent errors behind /health (env HEALTH_WINDOW)")
	fs.DurationVar(&cfg.staleAfter, "health-stale-after", env.Dur("HEALTH_STALE_AFTER", wsserver.DefaultStaleAfter), "degraded when the last message is older; 0 = off (env HEALTH_STALE_AFTER)")
	fs.DurationVar(&cfg.reconnecting, "health-reconnecting-after", env.Dur("HEALTH_RECONNECTING_AFTER", wsserver.DefaultReconnectingAfter), "reconnecting when the last message is older; 0 = off (env HEALTH_RECONNECTING_AFTER)")
	origins := fs.String("allowed-origins", env.Str("WS_ALLOWED_ORIGINS", ""), "cross-origin host patterns allowed, comma list; * = any (env WS_ALLOWED_ORIGINS)")
	fs.IntVar(&cfg.queueSize, "queue-size", env.Int("WS_QUEUE_SIZE", wsserver.DefaultQueueSize), "frames queued per client (env WS_QUEUE_SIZE)")
	fs.IntVar(&cfg.queueBytes, "queue-bytes", env.Int("WS_QUEUE_BYTES", wsserver.DefaultQueueBytes), "most bytes of frames queued per client, 64 KiB to 1 GiB; the oldest drop first (env WS_QUEUE_BYTES)")
	fs.IntVar(&cfg.disconnectAfter, "disconnect-after-drops", env.Int("WS_DISCONNECT_AFTER_DROPS", 0), "disconnect a client after this many dropped frames; 0 = never (env WS_DISCONNECT_AFTER_DROPS)")
	fs.IntVar(&cfg.readLimit, "max-message-bytes", env.Int("WS_MAX_MESSAGE_BYTES", wsserver.DefaultReadLimit), "largest inbound WebSocket message (env WS_MAX_MESSAGE_BYTES)")
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", env.Dur("WS_WRITE_TIMEOUT", wsserver.DefaultWriteTimeout), "bound on writing one frame (env WS_WRITE_TIMEOUT)")
	fs.IntVar(&cfg.breaker.FailureThreshold, "cb-failure-threshold", env.Int("CB_FAILURE_THRESHOLD", wsserver.DefaultFailureThreshold), "Kafka failures in a row that open the circuit breaker (env CB_FAILURE_THRESHOLD)")
	fs.DurationVar(&cfg.breaker.OpenFor, "cb-open-for", env.Dur("CB_OPEN_FOR", wsserver.DefaultOpenFor), "how long the breaker stays open (env CB_OPEN_FOR)")
	fs.IntVar(&cfg.breaker.CloseAfter, "cb-close-after", env.Int("CB_CLOSE_AFTER", wsserver.DefaultCloseAfter), "successful probes that close a half-open breaker (env CB_CLOSE_AFTER)")
	fs.DurationVar(&cfg.probeInterval, "cb-probe-interval", env.Dur("CB_PROBE_INTERVAL", wsserver.DefaultProbeInterval), "how often a half-open breaker probes Kafka (env CB_PROBE_INTERVAL)")
	fs.DurationVar(&cfg.dedup, "log-dedup-interval", env.Dur("LOG_DEDUP_INTERVAL", time.Minute), "a repeated Kafka error is logged once per interval (env LOG_DEDUP_INTERVAL)")
	fs.DurationVar(&cfg.backoffMin, "backoff-min", env.Dur("KAFKA_BACKOFF_MIN", 250*time.Millisecond), "first Kafka retry delay (env KAFKA_BACKOFF_MIN)")
	fs.DurationVar(&cfg.backoffMax, "backoff-max", env.Dur("KAFKA_BACKOFF_MAX", wsserver.DefaultBackoffMax), "Kafka retry delay cap (env KAFKA_BACKOFF_MAX)")
	fs.DurationVar(&cfg.metadataMinAge, "metadata-min-age", env.Dur("KAFKA_METADATA_MIN_AGE", 5*time.Second), "least time between two Kafka metadata refreshes, so between two reconnection attempts of an unreachable broker (env KAFKA_METADATA_MIN_AGE)")
	fs.DurationVar(&cfg.dialTimeout, "dial-timeout", env.Dur("KAFKA_DIAL_TIMEOUT", 5*time.Second), "bound on one broker dial, DNS included (env KAFKA_DIAL_TIMEOUT)")
	fs.IntVar(&cfg.decodeBudget, "decode-budget", env.Int("DECODE_BUDGET", consumer.DefaultDecodeBudget), envcfg.DecodeBudgetUsage)
	fs.DurationVar(&cfg.shutdownGrace, "shutdown-grace", env.Dur("SHUTDOWN_GRACE", 5*time.Second), "how long a shutdown waits for HTTP requests in flight (env SHUTDOWN_GRACE)")
	cfg.token = os.Getenv("WS_AUTH_TOKEN") // environment only: a flag would show in ps
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: %s [flags]   (every flag has an environment variable; the bearer token is WS_AUTH_TOKEN only)\n", name)
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
		problems = append(problems, fmt.Sprintf("listen address %q is not host:port (like :8081)", cfg.addr))
	}
	cfg.brokers = envcfg.SplitList(*brokers)
	problems = append(problems, envcfg.BrokerProblems(cfg.brokers)...)
	if cfg.topics = envcfg.SplitList(*topics); len(cfg.topics) == 0 {
		problems = append(problems, "no topics: set KAFKA_TOPICS or -topics")
	}
	cfg.origins = envcfg.SplitList(*origins)
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"health window", cfg.window}, {"write timeout", cfg.writeTimeout}, {"circuit breaker open-for", cfg.breaker.OpenFor}, {"circuit breaker probe interval", cfg.probeInterval},
		{"log dedup interval", cfg.dedup}, {"backoff min", cfg.backoffMin}, {"backoff max", cfg.backoffMax},
		{"dial timeout", cfg.dialTimeout}, {"metadata min age", cfg.metadataMinAge}, {"shutdown grace", cfg.shutdownGrace}} {
		if d.v <= 0 {
			problems = append(problems, fmt.Sprintf("%s %s must be positive", d.name, d.v))
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"queue size", cfg.queueSize}, {"max message bytes", cfg.readLimit},
		{"circuit breaker failure threshold", cfg.breaker.FailureThreshold}, {"circuit breaker close-after", cfg.breaker.CloseAfter}} {
		if n.v <= 0 {
			problems = append(problems, fmt.Sprintf("%s %d must be positive", n.name, n.v))
		}
	}
	if cfg.disconnectAfter < 0 {
		problems = append(problems, fmt.Sprintf("disconnect-after-drops %d must be 0 (never) or more", cfg.disconnectAfter))
	}
	if cfg.staleAfter < 0 {
		problems = append(problems, fmt.Sprintf("health stale-after %s must be 0 (off) or more", cfg.staleAfter))
	}
	if cfg.reconnecting < 0 {
		problems = append(problems, fmt.Sprintf("health reconnecting-after %s must be 0 (off) or more", cfg.reconnecting))
	}
	if p := envcfg.RangeProblem("queue bytes", int64(cfg.queueBytes), wsserver.MinQueueBytes, wsserver.MaxQueueBytes); p != "" {
		problems = append(problems, p)
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
