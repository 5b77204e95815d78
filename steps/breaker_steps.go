package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

func registerBreakerSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server runs with a breaker that opens after (\d+) failures, half-opens after (\d+) seconds and closes after (\d+) probes$`, wsServerWithBreaker)
	sc.Step(`^the breaker opens within (\d+) seconds, after at least (\d+) Kafka errors$`, breakerOpens)
	sc.Step(`^the breaker closes through half-open within (\d+) seconds$`, breakerCloses)
}

// breakerSample is one look at the breaker in /health.
type breakerSample struct {
	At          time.Time
	State       string
	KafkaErrors uint64
}

// breakerWatch samples /health every 100 ms so that short states (half-open) are seen.
type breakerWatch struct {
	mu      sync.Mutex
	samples []breakerSample
}

func (b *breakerWatch) all() []breakerSample {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]breakerSample(nil), b.samples...)
}

func wsServerWithBreaker(ctx context.Context, threshold, openFor, closeAfter int) error {
	w := world(ctx)
	if err := w.need(stack.RunServices, stack.KillBroker); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	svc, err := w.startService(ctx, stack.ServiceSpec{Name: "wsserver", Binary: stack.WSServer, AddrEnv: "WS_ADDR",
		Env: map[string]string{"KAFKA_TOPICS": topic, "HEALTH_WINDOW": "5s", "CB_FAILURE_THRESHOLD": strconv.Itoa(threshold),
			"CB_OPEN_FOR": strconv.Itoa(openFor) + "s", "CB_CLOSE_AFTER": strconv.Itoa(closeAfter)}})
	if err != nil {
		return err
	}
	watch := &breakerWatch{}
	w.breaker = watch
	wctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for wctx.Err() == nil {
			if h, err := getHealth(wctx, svc.Addr()); err == nil {
				watch.mu.Lock()
				watch.samples = append(watch.samples, breakerSample{time.Now(), h.Breaker.State, h.Metrics.KafkaErrors})
				watch.mu.Unlock()
			}
			select {
			case <-wctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	w.onCleanup("breaker watch", func(context.Context) error {
		cancel()
		<-done
		w.rec.Evidence(evidence.After, evidence.KindHealth, "breaker states seen", transitions(watch.all()))
		return nil
	})
	return w.waitHealth(ctx, "/health to report healthy", 20*time.Second, func(h wsHealth) bool { return h.Status == "healthy" })
}

// transitions returns the samples where the state changed, as "15:04:05.000 state (errors)".
func transitions(samples []breakerSample) []string {
	var out []string
	last := ""
	for _, s := range samples {
		if s.State != last {
			out = append(out, fmt.Sprintf("%s %s (%d kafka errors)", s.At.UTC().Format("15:04:05.000"), s.State, s.KafkaErrors))
			last = s.State
		}
	}
	return out
}

func breakerOpens(ctx context.Context, seconds, threshold int) error {
	w := world(ctx)
	var opened breakerSample
	err := w.eventually(ctx, "the breaker to open", time.Duration(seconds)*time.Second, func(context.Context) (bool, string, error) {
		for _, s := range w.breaker.all() {
			if s.State == "open" {
				opened = s
				return true, fmt.Sprintf("open with %d kafka errors", s.KafkaErrors), nil
			}
		}
		return false, strings.Join(transitions(w.breaker.all()), ", "), nil
	})
	if err != nil {
		return err
	}
	if opened.KafkaErrors < uint64(threshold) {
		return fmt.Errorf("the breaker opened after %d Kafka errors, before its threshold of %d", opened.KafkaErrors, threshold)
	}
	return nil
}

// breakerCloses waits until /health shows the breaker closed and the server's log shows
// the way there after the last opening: half-open (probing), then closed after its probes.
// The log is the record of transitions (half-open can last less than any sampling
// interval); the server logs half-open when it notices it, and the closing line names
// the successful half-open probes that closed it, so "closed … probes=N" with N ≥ 1 also
// proves the half-open phase.
func breakerCloses(ctx context.Context, seconds int) error {
	w := world(ctx)
	svc := w.services["wsserver"]
	return w.eventually(ctx, "the breaker to close through half-open", time.Duration(seconds)*time.Second, func(context.Context) (bool, string, error) {
		samples := w.breaker.all()
		if len(samples) == 0 || samples[len(samples)-1].State != "closed" {
			return false, strings.Join(transitions(samples), ", "), nil
		}
		var path []string
		for _, l := range strings.Split(svc.Log(0), "\n") {
			switch {
			case strings.Contains(l, "circuit breaker open"):
				path = []string{"open"}
			case strings.Contains(l, "circuit breaker half-open") && len(path) > 0:
				path = append(path, "half-open")
			case strings.Contains(l, "circuit breaker closed") && len(path) > 0:
				if !slices.Contains(path, "half-open") && probesLogged(l) > 0 {
					path = append(path, "half-open (probes="+strconv.Itoa(probesLogged(l))+")")
				}
				path = append(path, "closed")
			}
		}
		ok := len(path) >= 3 && strings.HasPrefix(path[len(path)-2], "half-open") && path[len(path)-1] == "closed"
		return ok, "logged after the last opening: " + strings.Join(path, " → "), nil
	})
}

// probesLogged returns N of "probes=N" in a log line, or 0.
func probesLogged(line string) int {
	_, after, ok := strings.Cut(line, "probes=")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(strings.Fields(after + " ")[0])
	return n
}
