package steps

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
)

func registerExporterSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the exporter runs with a broker address that (is unresolvable|refuses connections|accepts connections and never answers)$`, exporterWrongAddress)
	sc.Step(`^over (\d+) seconds it makes at most (\d+) connection attempts and sends at most (\d+) bytes$`, attemptsBounded)
	sc.Step(`^/readyz answers 503 with the reason$`, readyz503)
	sc.Step(`^it logs the connection error at most once$`, loggedOnce)
	sc.Step(`^the exporter is restarted with the right broker address$`, exporterFixed)
	sc.Step(`^/readyz answers 200 within (\d+) seconds$`, readyz200)
	sc.Step(`^the exporter counts (\d+) messages received$`, exporterCountsReceived)
}

func exporterCountsReceived(ctx context.Context, n int) error {
	return world(ctx).exporterMetricReaches(ctx, "dashstream_messages_received_total", n)
}

// exporterWrongAddress starts the exporter pointed at a broker address that cannot work.
// No traffic leaves the machine: the unresolvable name is rejected by the resolver
// itself, the others are loopback listeners.
func exporterWrongAddress(ctx context.Context, kind string) error {
	w := world(ctx)
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	var addr string
	switch kind {
	case "is unresolvable":
		addr = chaos.UnresolvableAddr()
	case "refuses connections":
		r, err := chaos.RefusingPort()
		if err != nil {
			return err
		}
		w.onCleanup("refusing port", func(context.Context) error { return r.Close() })
		addr = r.Addr()
	default:
		h, err := chaos.HangingListener()
		if err != nil {
			return err
		}
		w.hang = h
		w.onCleanup("hanging listener", func(context.Context) error { return h.Close() })
		addr = h.Addr()
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	svc, err := w.startService(ctx, stack.ServiceSpec{Name: "exporter", Binary: stack.Exporter, AddrEnv: "METRICS_ADDR",
		Env: map[string]string{"KAFKA_BROKERS": addr, "KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq")}})
	if err != nil {
		return err
	}
	span := w.rec.FaultStart("wrong-broker-address", fmt.Sprintf("exporter started with KAFKA_BROKERS=%s (%s)", addr, kind))
	w.onCleanup("wrong address span", func(context.Context) error { w.rec.FaultEnd(span, "exporter stopped or fixed"); return nil })
	w.wrongAddrSpan = span
	w.misconfigured = time.Now()
	return w.eventually(ctx, "the exporter to serve /healthz", 20*time.Second, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), "/healthz")
		return code == 200, fmt.Sprintf("/healthz %d", code), err
	})
}

// attemptsBounded observes the exporter for a fixed window and bounds its connection
// attempts (its own counter) and the bytes a hanging broker received.
func attemptsBounded(ctx context.Context, seconds, maxAttempts, maxBytes int) error {
	w := world(ctx)
	svc := w.services["exporter"]
	if wait := time.Until(w.misconfigured.Add(time.Duration(seconds) * time.Second)); wait > 0 {
		select { // a measuring window, not a readiness wait
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m, err := scrape(ctx, svc.Addr())
	if err != nil {
		return err
	}
	attempts := m["dashstream_exporter_kafka_connect_attempts_total"]
	var bytes int64
	if w.hang != nil {
		bytes = w.hang.BytesReceived()
	}
	w.rec.Evidence(evidence.During, evidence.KindMetric, "connection attempts", map[string]any{
		"window_seconds": seconds, "attempts": attempts, "bytes_received_by_broker": bytes,
		"connected": m["dashstream_exporter_kafka_connected"]})
	if attempts > float64(maxAttempts) {
		return fmt.Errorf("%v connection attempts in %d s, at most %d allowed: a retry storm", attempts, seconds, maxAttempts)
	}
	if attempts == 0 {
		return fmt.Errorf("no connection attempt in %d s: the exporter is not trying at all", seconds)
	}
	if bytes > int64(maxBytes) {
		return fmt.Errorf("the broker address received %d bytes in %d s, at most %d allowed", bytes, seconds, maxBytes)
	}
	return nil
}

func readyz503(ctx context.Context) error {
	w := world(ctx)
	code, body, err := get(ctx, w.services["exporter"].Addr(), "/readyz")
	if err != nil {
		return err
	}
	w.rec.Text(evidence.During, evidence.KindHealth, "/readyz", fmt.Sprintf("%d %s", code, body))
	if code != http.StatusServiceUnavailable || strings.TrimSpace(body) == "" {
		return fmt.Errorf("/readyz answered %d %q, expected 503 with a reason", code, body)
	}
	return nil
}

func loggedOnce(ctx context.Context) error {
	w := world(ctx)
	var lines []string
	for _, l := range strings.Split(w.services["exporter"].Log(0), "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			lines = append(lines, l)
		}
	}
	w.rec.Text(evidence.During, evidence.KindLog, "exporter warnings", strings.Join(lines, "\n"))
	if len(lines) > 1 {
		return fmt.Errorf("the exporter logged %d warnings, expected the connection error once:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if len(lines) == 0 {
		return fmt.Errorf("the exporter logged no warning about the broker it cannot reach")
	}
	return nil
}

func exporterFixed(ctx context.Context) error {
	w := world(ctx)
	svc := w.services["exporter"]
	svc.SetEnv("KAFKA_BROKERS", strings.Join(w.stack.Kafka().Bootstrap(), ","))
	if err := svc.Restart(ctx); err != nil {
		return err
	}
	w.rec.FaultEnd(w.wrongAddrSpan, "exporter restarted with the stack's brokers")
	w.brokerBack = time.Now()
	return nil
}

func readyz200(ctx context.Context, seconds int) error {
	w := world(ctx)
	return w.eventually(ctx, "/readyz to answer 200", time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		code, body, err := get(ctx, w.services["exporter"].Addr(), "/readyz")
		return code == 200, fmt.Sprintf("%d %s", code, strings.TrimSpace(body)), err
	})
}

// get returns the status and body of GET http://addr/path, bounded by 3 s.
func get(ctx context.Context, addr, path string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), err
}
