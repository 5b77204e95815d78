// Command dashstream-exporter is the reference Prometheus exporter of DashStream (package
// reference/exporter, whose doc lists the metrics): it consumes the DashStream topics and
// serves /metrics, /readyz (503 until Kafka answered) and /healthz.
//
// Configuration: environment variables, each overridable by a flag (-h lists them):
//
//	KAFKA_BROKERS        -brokers             comma list of host:port (default localhost:9092)
//	METRICS_ADDR         -metrics-addr        listen address (default :8080)
//	KAFKA_TOPICS         -topics              default dashstream-events,dashstream-quality
//	KAFKA_GROUP          -group               consumer group (default none: from the start)
//	KAFKA_LAG_GROUPS     -lag-groups          other consumer groups whose lag is exported (default none)
//	DLQ_TOPIC            -dlq-topic           default dashstream-dlq; empty = no copy
//	LAG_INTERVAL         -lag-interval        default 5s (100ms to 1h)
//	LOG_DEDUP_INTERVAL   -log-dedup-interval  default 1m (1s to 24h)
//	LOG_FLUSH_INTERVAL   -log-flush-interval  default: the dedup interval (1s to 24h): held counts written without a repeat
//	KAFKA_BACKOFF_MIN    -backoff-min         default 250ms (1ms to 10m)
//	KAFKA_BACKOFF_MAX    -backoff-max         default 30s (1ms to 10m, not below the min)
//	KAFKA_DIAL_TIMEOUT   -dial-timeout        default 5s (100ms to 5m)
//	SHUTDOWN_GRACE       -shutdown-grace      default 5s (1ms to 10m)
//	QUALITY_MAX_SERIES   -quality-max-series  default 10000 dashstream_quality_* series (1 to 1000000)
//	MAX_TENANTS          -max-tenants         default 1000 tenant label values, then (other) (1 to 100000)
//	DECODE_BUDGET        -decode-budget       default 64 MiB (1 MiB to 64 GiB): decoded bytes held at once
//
// A numeric setting outside its range (-h shows each) is bad configuration: exit 2.
//
// HTTP: the httplimit defaults (read 30s, write 30s, idle 60s, headers 16 KiB, at most
// 1024 connections open; one past the cap gets 503 and is counted in
// dashstream_exporter_connections_refused_total).
//
// An unreachable broker is not a configuration error: the exporter starts, /readyz says
// why it is not ready, and it retries at a capped, jittered pace with one log line per
// distinct error per interval. Logs are text on stderr.
//
// Exit codes: 0 after SIGINT/SIGTERM (graceful: the consumer stops, requests in flight
// finish within the grace); 1 a fatal Kafka error (authorization) or a server failure;
// 2 bad configuration or an address that cannot be listened on, as one line on stderr.
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

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dashstream/acceptance/reference/backoff"
	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/exporter"
	"github.com/dashstream/acceptance/reference/internal/envcfg"
	"github.com/dashstream/acceptance/reference/internal/httplimit"
)

const name = "dashstream-exporter"

// metricRefused counts connections refused at the HTTP connection cap.
const metricRefused = "dashstream_exporter_connections_refused_total"

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
	opts := []exporter.Opt{
		exporter.Topics(cfg.topics...), exporter.Group(cfg.group), exporter.LagGroups(cfg.lagGroups...), exporter.DLQTopic(cfg.dlq),
		exporter.Logger(log), exporter.LagInterval(cfg.lagInterval), exporter.DedupInterval(cfg.dedup), exporter.FlushInterval(cfg.flush),
		exporter.Backoff(backoff.New(backoff.Min(cfg.backoffMin), backoff.Max(cfg.backoffMax))),
		exporter.DialTimeout(cfg.dialTimeout), exporter.MaxQualitySeries(cfg.maxSeries), exporter.MaxTenants(cfg.maxTenants),
	}
	opts = append(opts, exporter.ConsumerOpts(consumer.DecodeBudget(int64(cfg.decodeBudget))))
	envcfg.MemoryLimitFor(int64(cfg.decodeBudget))
	if len(cfg.brokers) > 0 {
		opts = append(opts, exporter.Brokers(cfg.brokers...))
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return envcfg.UsageError{Err: fmt.Errorf("listen on %s: %w: set METRICS_ADDR to a free address", cfg.addr, err)}
	}
	e, err := exporter.New(opts...)
	if err != nil {
		_ = ln.Close()
		return envcfg.UsageError{Err: err}
	}
	defer e.Close()
	refused := prometheus.NewCounter(prometheus.CounterOpts{Name: metricRefused,
		Help: "TCP connections refused (503, closed) because the connection cap was reached."})
	if err := e.Registry().Register(refused); err != nil {
		return fmt.Errorf("register %s: %w", metricRefused, err)
	}
	srv := httplimit.Server(e.Handler(), httplimit.Limits{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(httplimit.Listener(ln, httplimit.Limits{}, refused.Inc)) }()
	brokers := strings.Join(cfg.brokers, ",")
	if brokers == "" {
		brokers = "localhost:9092 (default)"
	}
	log.Info("dashstream-exporter started", "addr", ln.Addr().String(), "brokers", brokers, "topics", strings.Join(cfg.topics, ","))

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- e.Run(runCtx) }()
	var runErr error
	select {
	case runErr = <-ran:
	case err := <-served:
		cancel()
		<-ran
		return fmt.Errorf("http server: %w", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), cfg.shutdownGrace)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "error", err.Error())
	}
	if runErr != nil {
		return runErr
	}
	log.Info("dashstream-exporter stopped")
	return nil
}
