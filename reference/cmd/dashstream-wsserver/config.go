package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/envcfg"
	"github.com/dashstream/acceptance/reference/internal/httplimit"
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
	grants          wsserver.Grants
	unauthenticated bool
	queueSize       int
	queueBytes      int
	disconnectAfter int
	readLimit       int
	writeTimeout    time.Duration
	pingInterval    time.Duration
	pingTimeout     time.Duration
	http            httplimit.Limits
	breaker         wsserver.BreakerConfig
	dedup           time.Duration
	backoffMin      time.Duration
	backoffMax      time.Duration
	dialTimeout     time.Duration
	metadataMinAge  time.Duration
	shutdownGrace   time.Duration
	decodeBudget    int
}

// ranges collects the range check of every numeric setting, registered with its flag.
type ranges struct {
	env    *envcfg.Defaults
	fs     *flag.FlagSet
	checks []func() string
}

// dur registers a duration flag with its variable and range; zeroOff allows 0 (off).
func (r *ranges) dur(p *time.Duration, flagName, envName string, def, lo, hi time.Duration, zeroOff bool, usage string) {
	rng := fmt.Sprintf("%s..%s", lo, hi)
	if zeroOff {
		rng = "0 (off) or " + rng
	}
	r.fs.DurationVar(p, flagName, r.env.Dur(envName, def), fmt.Sprintf("%s [%s] (env %s)", usage, rng, envName))
	r.checks = append(r.checks, func() string {
		if (*p == 0 && zeroOff) || (*p >= lo && *p <= hi) {
			return ""
		}
		return fmt.Sprintf("-%s (%s) %s is outside %s", flagName, envName, *p, rng)
	})
}

// num registers a whole-number flag with its variable and range.
func (r *ranges) num(p *int, flagName, envName string, def, lo, hi int, usage string) {
	rng := fmt.Sprintf("%d..%d", lo, hi)
	r.fs.IntVar(p, flagName, r.env.Int(envName, def), fmt.Sprintf("%s [%s] (env %s)", usage, rng, envName))
	r.checks = append(r.checks, func() string {
		if *p >= lo && *p <= hi {
			return ""
		}
		return fmt.Sprintf("-%s (%s) %d is outside %s", flagName, envName, *p, rng)
	})
}

func parse(args []string, stderr io.Writer) (config, error) {
	var cfg config
	env := &envcfg.Defaults{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	r := &ranges{env: env, fs: fs}
	fs.StringVar(&cfg.addr, "addr", env.Str("WS_ADDR", ":8081"), "listen address of /ws, /health, /metrics; beyond loopback it needs token grants or -unauthenticated (env WS_ADDR)")
	brokers := fs.String("brokers", env.Str(envcfg.EnvBrokers, ""), "Kafka bootstrap servers, comma list (env KAFKA_BROKERS; default localhost:9092)")
	topics := fs.String("topics", env.Str("KAFKA_TOPICS", strings.Join(wsserver.DefaultTopics, ",")), "topics to consume, comma list (env KAFKA_TOPICS)")
	tokensFile := fs.String("auth-tokens-file", env.Str("WS_AUTH_TOKENS_FILE", ""), `file of token grants, one "<token> <tenant>[,<tenant>...]" per line, # comments (env WS_AUTH_TOKENS_FILE; or WS_AUTH_TOKENS, environment only, entries separated by ";")`)
	unauth := fs.String("unauthenticated", env.Str("WS_UNAUTHENTICATED", "false"), "true: serve every tenant to anyone who can connect, on any address, without tokens [true|false] (env WS_UNAUTHENTICATED)")
	r.dur(&cfg.window, "health-window", "HEALTH_WINDOW", wsserver.DefaultHealthWindow, time.Second, 24*time.Hour, false, "sliding window of recent errors behind /health")
	r.dur(&cfg.staleAfter, "health-stale-after", "HEALTH_STALE_AFTER", wsserver.DefaultStaleAfter, time.Second, 24*time.Hour, true, "degraded when the last message is older")
	r.dur(&cfg.reconnecting, "health-reconnecting-after", "HEALTH_RECONNECTING_AFTER", wsserver.DefaultReconnectingAfter, time.Second, 24*time.Hour, true, "reconnecting when the last message is older")
	origins := fs.String("allowed-origins", env.Str("WS_ALLOWED_ORIGINS", ""), "browser origins allowed, comma list of host patterns (path.Match, like *.example.com); * = any; the Host header is never trusted (env WS_ALLOWED_ORIGINS)")
	r.num(&cfg.queueSize, "queue-size", "WS_QUEUE_SIZE", wsserver.DefaultQueueSize, 1, wsserver.MaxQueueSize, "frames queued per client")
	r.num(&cfg.queueBytes, "queue-bytes", "WS_QUEUE_BYTES", wsserver.DefaultQueueBytes, wsserver.MinQueueBytes, wsserver.MaxQueueBytes, "most bytes of frames queued per client; the oldest drop first")
	r.num(&cfg.decodeBudget, "decode-budget", "DECODE_BUDGET", consumer.DefaultDecodeBudget, consumer.MinDecodeBudget, consumer.MaxDecodeBudget, envcfg.DecodeBudgetUsage)
	r.num(&cfg.disconnectAfter, "disconnect-after-drops", "WS_DISCONNECT_AFTER_DROPS", 0, 0, 1_000_000, "disconnect a client after this many dropped frames; 0 = never")
	r.num(&cfg.readLimit, "max-message-bytes", "WS_MAX_MESSAGE_BYTES", wsserver.DefaultReadLimit, 1, 1<<20, "largest inbound WebSocket message")
	r.dur(&cfg.writeTimeout, "write-timeout", "WS_WRITE_TIMEOUT", wsserver.DefaultWriteTimeout, 100*time.Millisecond, 10*time.Minute, false, "bound on writing one frame")
	r.dur(&cfg.pingInterval, "ping-interval", "WS_PING_INTERVAL", wsserver.DefaultPingInterval, 100*time.Millisecond, 10*time.Minute, false, "how often each client is pinged")
	r.dur(&cfg.pingTimeout, "ping-timeout", "WS_PING_TIMEOUT", wsserver.DefaultPingTimeout, 100*time.Millisecond, 5*time.Minute, false, "a client whose pong does not come within this is disconnected")
	r.dur(&cfg.http.ReadTimeout, "http-read-timeout", "WS_HTTP_READ_TIMEOUT", httplimit.DefaultReadTimeout, 100*time.Millisecond, time.Hour, false, "bound on reading one HTTP request (not a WebSocket stream)")
	r.dur(&cfg.http.WriteTimeout, "http-write-timeout", "WS_HTTP_WRITE_TIMEOUT", httplimit.DefaultWriteTimeout, 100*time.Millisecond, time.Hour, false, "bound on writing one HTTP response (not a WebSocket stream)")
	r.dur(&cfg.http.IdleTimeout, "http-idle-timeout", "WS_HTTP_IDLE_TIMEOUT", httplimit.DefaultIdleTimeout, 100*time.Millisecond, time.Hour, false, "a keep-alive connection idle this long is closed")
	r.num(&cfg.http.MaxHeaderBytes, "max-header-bytes", "WS_MAX_HEADER_BYTES", httplimit.DefaultMaxHeaderBytes, 1<<10, 1<<20, "largest request header block (431 above)")
	r.num(&cfg.http.MaxConnections, "max-connections", "WS_MAX_CONNECTIONS", httplimit.DefaultMaxConnections, 1, 100_000, "connections open at once; past it a connection gets 503 and is counted")
	r.num(&cfg.breaker.FailureThreshold, "cb-failure-threshold", "CB_FAILURE_THRESHOLD", wsserver.DefaultFailureThreshold, 1, 10_000, "Kafka failures in a row that open the circuit breaker")
	r.dur(&cfg.breaker.OpenFor, "cb-open-for", "CB_OPEN_FOR", wsserver.DefaultOpenFor, 100*time.Millisecond, time.Hour, false, "how long the breaker stays open")
	r.num(&cfg.breaker.CloseAfter, "cb-close-after", "CB_CLOSE_AFTER", wsserver.DefaultCloseAfter, 1, 1000, "successful probes that close a half-open breaker")
	r.dur(&cfg.probeInterval, "cb-probe-interval", "CB_PROBE_INTERVAL", wsserver.DefaultProbeInterval, 10*time.Millisecond, time.Minute, false, "how often a half-open breaker probes Kafka")
	r.dur(&cfg.dedup, "log-dedup-interval", "LOG_DEDUP_INTERVAL", time.Minute, 100*time.Millisecond, 24*time.Hour, false, "a repeated Kafka error is logged once per interval")
	r.dur(&cfg.backoffMin, "backoff-min", "KAFKA_BACKOFF_MIN", 250*time.Millisecond, time.Millisecond, time.Minute, false, "first Kafka retry delay")
	r.dur(&cfg.backoffMax, "backoff-max", "KAFKA_BACKOFF_MAX", wsserver.DefaultBackoffMax, time.Millisecond, 10*time.Minute, false, "Kafka retry delay cap")
	r.dur(&cfg.metadataMinAge, "metadata-min-age", "KAFKA_METADATA_MIN_AGE", 5*time.Second, 100*time.Millisecond, 10*time.Minute, false, "least time between two Kafka metadata refreshes, so between two reconnection attempts of an unreachable broker")
	r.dur(&cfg.dialTimeout, "dial-timeout", "KAFKA_DIAL_TIMEOUT", 5*time.Second, 100*time.Millisecond, 5*time.Minute, false, "bound on one broker dial, DNS included")
	r.dur(&cfg.shutdownGrace, "shutdown-grace", "SHUTDOWN_GRACE", 5*time.Second, time.Millisecond, 5*time.Minute, false, "how long a shutdown waits for HTTP requests in flight")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: %s [flags]   (every flag has an environment variable; token grants inline are WS_AUTH_TOKENS only; out of range is an error)\n", name)
			fs.PrintDefaults()
			return cfg, err
		}
		return cfg, envcfg.UsageError{Err: fmt.Errorf("%w (see -h)", err)}
	}
	problems := env.Problems
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q: every setting is a flag or an environment variable", fs.Arg(0)))
	}
	host, _, addrErr := net.SplitHostPort(cfg.addr)
	if addrErr != nil {
		problems = append(problems, fmt.Sprintf("listen address %q is not host:port (like :8081)", cfg.addr))
	}
	cfg.brokers = envcfg.SplitList(*brokers)
	problems = append(problems, envcfg.BrokerProblems(cfg.brokers)...)
	if cfg.topics = envcfg.SplitList(*topics); len(cfg.topics) == 0 {
		problems = append(problems, "no topics: set KAFKA_TOPICS or -topics")
	}
	cfg.origins = envcfg.SplitList(*origins)
	if err := wsserver.CheckOrigins(cfg.origins); err != nil {
		problems = append(problems, "WS_ALLOWED_ORIGINS: "+err.Error())
	}
	for _, check := range r.checks {
		if p := check(); p != "" {
			problems = append(problems, p)
		}
	}
	if cfg.backoffMin > cfg.backoffMax {
		problems = append(problems, fmt.Sprintf("backoff min %s is above backoff max %s", cfg.backoffMin, cfg.backoffMax))
	}
	var err error
	if cfg.unauthenticated, err = strconv.ParseBool(strings.TrimSpace(*unauth)); err != nil {
		problems = append(problems, fmt.Sprintf("WS_UNAUTHENTICATED=%q is not true or false", *unauth))
	}
	var perr string
	cfg.grants, perr = readGrants(*tokensFile)
	if perr != "" {
		problems = append(problems, perr)
	}
	if p := authProblem(cfg, host); p != "" && addrErr == nil && perr == "" { // one problem at a time about the same thing
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		return cfg, envcfg.UsageError{Err: errors.New(strings.Join(problems, "; "))}
	}
	return cfg, nil
}

// readGrants reads the token grants from WS_AUTH_TOKENS or the file; WS_AUTH_TOKEN, the
// single token that opened every tenant, is refused with what to set instead.
func readGrants(file string) (wsserver.Grants, string) {
	inline, hasInline := os.LookupEnv("WS_AUTH_TOKENS")
	if old := os.Getenv("WS_AUTH_TOKEN"); old != "" { // empty meant "no token" before, as it does now
		return nil, `WS_AUTH_TOKEN is no longer read (its one token opened every tenant): bind tokens to tenants with WS_AUTH_TOKENS="<token> <tenant>[,<tenant>...]" or WS_AUTH_TOKENS_FILE, and unset WS_AUTH_TOKEN`
	}
	switch {
	case hasInline && file != "":
		return nil, "both WS_AUTH_TOKENS and WS_AUTH_TOKENS_FILE are set: keep one"
	case hasInline:
		g, err := wsserver.ParseGrants(strings.NewReader(inline), "entry")
		if err != nil {
			return nil, "WS_AUTH_TOKENS: " + err.Error()
		}
		return g, ""
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Sprintf("WS_AUTH_TOKENS_FILE: %v: give a readable file of grants", err)
		}
		defer f.Close()
		g, err := wsserver.ParseGrants(f, "line")
		if err != nil {
			return nil, fmt.Sprintf("WS_AUTH_TOKENS_FILE %s: %v", file, err)
		}
		return g, ""
	}
	return nil, ""
}

// authProblem refuses a server without grants that listens beyond loopback, unless it
// was told it runs unauthenticated, and contradictory settings.
func authProblem(cfg config, host string) string {
	switch {
	case cfg.unauthenticated && len(cfg.grants) > 0:
		return "WS_UNAUTHENTICATED=true and token grants are both set: keep one"
	case cfg.unauthenticated || len(cfg.grants) > 0 || loopback(host):
		return ""
	}
	return fmt.Sprintf("no token grants and listen address %q reaches beyond loopback: set WS_AUTH_TOKENS or WS_AUTH_TOKENS_FILE, listen on 127.0.0.1, or set WS_UNAUTHENTICATED=true to serve every tenant to anyone", cfg.addr)
}

// loopback reports whether host names only loopback interfaces ("" means all).
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
