package wsload

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/system/build"
	"github.com/dashstream/acceptance/system/kfakeproc"
	"github.com/dashstream/acceptance/system/proc"
)

// topics are the wsserver's default topics; both are created before it starts.
var topics = []string{"dashstream-events", "dashstream-quality"}

// createTopics creates the topics with partitions each (an existing topic is fine).
func createTopics(ctx context.Context, brokers []string, partitions int32) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res, err := kadm.NewClient(cl).CreateTopics(ctx, partitions, 1, nil, topics...)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for _, r := range res.Sorted() {
		if r.Err != nil && !strings.Contains(r.Err.Error(), "TOPIC_ALREADY_EXISTS") {
			return fmt.Errorf("create topic %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}

// server is the wsserver child process.
type server struct {
	p    *proc.Process
	base string // http://127.0.0.1:port
	port int
}

// startServer builds and starts dashstream-wsserver against brokers, with extra flags.
func startServer(ctx context.Context, brokers []string, extra ...string) (*server, error) {
	bin, err := build.Binary(ctx, "./reference/cmd/dashstream-wsserver")
	if err != nil {
		return nil, fmt.Errorf("start wsserver: %w", err)
	}
	port, err := kfakeproc.FreePort()
	if err != nil {
		return nil, fmt.Errorf("start wsserver: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := append([]string{"-addr", addr, "-brokers", strings.Join(brokers, ",")}, extra...)
	p, err := proc.Start(ctx, proc.Spec{Name: "wsserver", Path: bin, Args: args, Isolated: true, Grace: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("start wsserver: %w", err)
	}
	return &server{p: p, base: "http://" + addr, port: port}, nil
}

// health is the part of /health the load reads.
type health struct {
	KafkaStatus string `json:"kafka_status"`
	Metrics     struct {
		ConnectedClients int `json:"connected_clients"`
	} `json:"metrics"`
}

func (s *server) health(ctx context.Context) (health, error) {
	var h health
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/health", nil)
	if err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	return h, nil
}

// waitFor polls /health every 100 ms until ok accepts it or timeout passes.
func (s *server) waitFor(ctx context.Context, what string, timeout time.Duration, ok func(health) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last health
	var lastErr error
	for {
		if !s.p.Running() {
			return fmt.Errorf("wait for %s: wsserver exited: %s", what, s.p.Describe(20))
		}
		if last, lastErr = s.health(ctx); lastErr == nil && ok(last) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: not within %s (last /health %+v, error %v): %s",
				what, timeout, last, lastErr, s.p.Tail(20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// scrape returns the samples of /metrics whose names start with prefix, keyed by
// name{labels} as printed.
func (s *server) scrape(ctx context.Context, prefix string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	return parseMetrics(resp.Body, prefix)
}

// parseMetrics reads Prometheus text exposition and keeps the samples whose series
// (name{labels}) starts with prefix.
func parseMetrics(r io.Reader, prefix string) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || !strings.HasPrefix(line, prefix) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return nil, fmt.Errorf("parse metrics: line %q has no value", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("parse metrics: line %q: %w", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	return out, nil
}
