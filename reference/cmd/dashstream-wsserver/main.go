// Command dashstream-wsserver is the reference WebSocket server of DashStream (package
// reference/wsserver, whose doc describes frames, /health and the metrics): it consumes
// the DashStream topics once and streams each tenant's records to /ws?tenant=<id>.
//
// Configuration: environment variables, each overridable by a flag; -h lists them with
// their ranges, and a value out of its range is a one-line error and exit 2. Inline token
// grants are read from the environment only (a flag would show in ps):
//
//	KAFKA_BROKERS              -brokers                 comma list of host:port (default localhost:9092)
//	WS_ADDR                    -addr                    listen address (default :8081)
//	WS_AUTH_TOKENS             (environment only)       token grants: "<token> <tenant>[,<tenant>...]" entries separated by ";"
//	WS_AUTH_TOKENS_FILE        -auth-tokens-file        the same, one grant per line, # comments
//	WS_UNAUTHENTICATED         -unauthenticated         true: no grants, any address (default false)
//	KAFKA_TOPICS               -topics                  default dashstream-events,dashstream-quality
//	HEALTH_WINDOW              -health-window           default 60s [1s..24h]
//	HEALTH_STALE_AFTER         -health-stale-after      default 60s: degraded when the last message is older [0 off, 1s..24h]
//	HEALTH_RECONNECTING_AFTER  -health-reconnecting-after  default 300s: reconnecting when older [0 off, 1s..24h]
//	WS_ALLOWED_ORIGINS         -allowed-origins         browser origins allowed, host patterns, comma list (checked at start)
//	WS_QUEUE_SIZE              -queue-size              default 256 [1..65536]
//	WS_QUEUE_BYTES             -queue-bytes             default 16 MiB [64 KiB..1 GiB]: bytes of frames per client
//	WS_DISCONNECT_AFTER_DROPS  -disconnect-after-drops  default 0 (never) [0..1000000]
//	WS_MAX_MESSAGE_BYTES       -max-message-bytes       default 4096 [1..1 MiB]
//	WS_WRITE_TIMEOUT           -write-timeout           default 10s [100ms..10m]
//	WS_PING_INTERVAL           -ping-interval           default 30s [100ms..10m]
//	WS_PING_TIMEOUT            -ping-timeout            default 10s [100ms..5m]
//	WS_HTTP_READ_TIMEOUT       -http-read-timeout       default 30s [100ms..1h] (requests, not streams)
//	WS_HTTP_WRITE_TIMEOUT      -http-write-timeout      default 30s [100ms..1h] (responses, not streams)
//	WS_HTTP_IDLE_TIMEOUT       -http-idle-timeout       default 60s [100ms..1h]
//	WS_MAX_HEADER_BYTES        -max-header-bytes        default 16 KiB [1 KiB..1 MiB]
//	WS_MAX_CONNECTIONS         -max-connections         default 1024 [1..100000]; past it 503, counted
//	CB_FAILURE_THRESHOLD       -cb-failure-threshold    default 10 [1..10000]
//	CB_OPEN_FOR                -cb-open-for             default 60s [100ms..1h]
//	CB_CLOSE_AFTER             -cb-close-after          default 5 [1..1000]
//	CB_PROBE_INTERVAL          -cb-probe-interval       default 1s [10ms..1m]
//	LOG_DEDUP_INTERVAL         -log-dedup-interval      default 1m [100ms..24h]
//	KAFKA_BACKOFF_MIN/MAX      -backoff-min/-max        default 250ms / 4s [1ms..1m / 1ms..10m]
//	KAFKA_DIAL_TIMEOUT         -dial-timeout            default 5s [100ms..5m]
//	KAFKA_METADATA_MIN_AGE     -metadata-min-age        default 5s [100ms..10m]: an unreachable broker is retried about this often
//	SHUTDOWN_GRACE             -shutdown-grace          default 5s [1ms..5m]
//	DECODE_BUDGET              -decode-budget           default 64 MiB [1 MiB..64 GiB]: decoded bytes held at once
//
// Authorization: with grants, each token reads only its tenants (reference/wsserver,
// "Authorization"). Without grants the server starts only on a loopback address (127.0.0.1,
// ::1, localhost), or with WS_UNAUTHENTICATED=true, which serves every tenant to anyone who
// can connect. WS_AUTH_TOKEN, the single token of earlier versions that opened every
// tenant, is refused at start with what to set instead: keeping it as "all tenants" would
// keep the hole issue 13 reports, and reading it as one tenant would need a tenant it
// never named.
//
// Kafka being unreachable is not a configuration error: the server starts, /health says
// reconnecting, and no Kafka error ends the process. Logs are text on stderr.
//
// Exit codes: 0 after SIGINT/SIGTERM (graceful: clients get close 1001 "going away");
// 1 a server failure; 2 bad configuration or an address that cannot be listened on, as
// one line on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/envcfg"
	"github.com/dashstream/acceptance/reference/internal/httplimit"
	"github.com/dashstream/acceptance/reference/wsserver"
)

const name = "dashstream-wsserver"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = serve(ctx, cfg, slog.New(slog.NewTextHandler(stderr, nil)))
	}
	return envcfg.ExitCode(name, err, stderr)
}

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	opts := []wsserver.Opt{
		wsserver.Topics(cfg.topics...), wsserver.Logger(log), wsserver.HealthWindow(cfg.window),
		wsserver.StaleAfter(cfg.staleAfter), wsserver.ReconnectingAfter(cfg.reconnecting), wsserver.ProbeInterval(cfg.probeInterval),
		wsserver.AllowedOrigins(cfg.origins...), wsserver.PingInterval(cfg.pingInterval), wsserver.PingTimeout(cfg.pingTimeout),
		wsserver.QueueSize(cfg.queueSize), wsserver.QueueBytes(int64(cfg.queueBytes)), wsserver.DisconnectAfterDrops(cfg.disconnectAfter),
		wsserver.ReadLimit(int64(cfg.readLimit)), wsserver.WriteTimeout(cfg.writeTimeout),
		wsserver.CircuitBreaker(cfg.breaker), wsserver.DedupInterval(cfg.dedup),
		wsserver.Backoff(backoff.New(backoff.Min(cfg.backoffMin), backoff.Max(cfg.backoffMax))),
		wsserver.DialTimeout(cfg.dialTimeout), wsserver.ClientOpts(kgo.MetadataMinAge(cfg.metadataMinAge)),
	}
	opts = append(opts, wsserver.ConsumerOpts(consumer.DecodeBudget(int64(cfg.decodeBudget))))
	envcfg.MemoryLimitFor(int64(cfg.decodeBudget))
	if len(cfg.brokers) > 0 {
		opts = append(opts, wsserver.Brokers(cfg.brokers...))
	}
	if len(cfg.grants) > 0 {
		opts = append(opts, wsserver.TokenGrants(cfg.grants))
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return envcfg.UsageError{Err: fmt.Errorf("listen on %s: %w: set WS_ADDR to a free address", cfg.addr, err)}
	}
	s, err := wsserver.New(opts...)
	if err != nil {
		_ = ln.Close()
		return envcfg.UsageError{Err: err}
	}
	defer s.Close()
	srv := httplimit.Server(s.Handler(), cfg.http)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(httplimit.Listener(ln, cfg.http, s.ConnectionRefused)) }()
	brokers := strings.Join(cfg.brokers, ",")
	if brokers == "" {
		brokers = "localhost:9092 (default)"
	}
	log.Info("dashstream-wsserver started", "addr", ln.Addr().String(), "brokers", brokers,
		"topics", strings.Join(cfg.topics, ","), "token_grants", len(cfg.grants), "unauthenticated", len(cfg.grants) == 0, "max_connections", cfg.http.MaxConnections)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- s.Run(runCtx) }()
	var runErr, serveErr error
	select {
	case runErr = <-ran: // ctx ended: Run closed every client
	case serveErr = <-served:
		cancel()
		runErr = <-ran
	}
	sctx, scancel := context.WithTimeout(context.Background(), cfg.shutdownGrace)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "error", err.Error())
	}
	if serveErr != nil {
		return fmt.Errorf("http server: %w", serveErr)
	}
	if runErr != nil {
		return runErr
	}
	log.Info("dashstream-wsserver stopped")
	return nil
}
