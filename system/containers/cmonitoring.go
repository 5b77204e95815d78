package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/profile"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/netfault"
)

// HostAlias is the name containers reach the harness's host at (the stack network's
// gateway, added as an extra host); the webhook receiver is forwarded there.
const HostAlias = "host.docker.internal"

// Monitoring is a Prometheus and an Alertmanager running as containers on the stack's
// network with the fast profile of the production fixtures (as monitoring.StartStack),
// delivering to a recording webhook receiver on the host.
type Monitoring struct {
	// Prometheus queries the Prometheus container through its published port.
	Prometheus v1.API
	// PrometheusURL and AlertmanagerURL are the published host addresses
	// ("http://127.0.0.1:port").
	PrometheusURL, AlertmanagerURL string
	// PrometheusAddr and AlertmanagerAddr are the in-network addresses (alias:port).
	PrometheusAddr, AlertmanagerAddr string
	// Webhook records every notification; Delivery.Receiver is "pager" or "team".
	Webhook *webhook.Receiver
	// Profile is the profile the rules and routes were scaled with.
	Profile profile.Profile

	st       *Stack
	ids      []string
	prom     testcontainers.Container // for SetScrapeJobs
	amConfig []byte                   // for GroupWait
	versions map[string]string
	fwd      net.Listener
	fwdWG    sync.WaitGroup
	closeMu  sync.Mutex
	closed   bool
}

var monitorSeq atomic.Int64

// StartContainerMonitoring starts Alertmanager and Prometheus containers (images
// DASHSTREAM_IMAGE_ALERTMANAGER and DASHSTREAM_IMAGE_PROMETHEUS) on the stack's network,
// scraping jobs at their in-network addresses (Service.ScrapeAddr), and returns once both
// answer their readiness endpoints. The webhook receiver runs on the host; containers reach
// it at HostAlias through a forwarder listening on the network's gateway address. Close
// (or the stack's Close) removes both containers.
func (s *Stack) StartContainerMonitoring(ctx context.Context, jobs ...monitoring.ScrapeJob) (m *Monitoring, err error) {
	m = &Monitoring{st: s, Profile: profile.Fast, versions: map[string]string{}}
	for _, c := range []Component{Prometheus, Alertmanager} {
		v, err := imageVersion(ctx, s.cli, c, Image(c))
		if err != nil {
			return nil, err
		}
		m.versions[string(c)] = fmt.Sprintf("%s %s (image %s)", c, v, Image(c))
		s.setVersion(string(c), m.versions[string(c)])
	}
	defer func() {
		if err != nil {
			_ = m.Close()
		}
	}()
	s.onClose(func(context.Context) error { return m.Close() })
	if m.Webhook, err = webhook.Start(ctx); err != nil {
		return nil, fmt.Errorf("start monitoring: %w", err)
	}
	gw, err := s.gateway(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.forward(gw, m.Webhook.Addr()); err != nil {
		return nil, err
	}
	_, fwdPort, _ := net.SplitHostPort(m.fwd.Addr().String())
	n := monitorSeq.Add(1)
	amAlias, promAlias := fmt.Sprintf("alertmanager-%d", n), fmt.Sprintf("prometheus-%d", n)
	m.AlertmanagerAddr, m.PrometheusAddr = amAlias+":9093", promAlias+":9090"

	rules, amConfig, err := fastFixtures(func(receiver string) string {
		return "http://" + net.JoinHostPort(HostAlias, fwdPort) + "/" + receiver
	})
	if err != nil {
		return nil, err
	}
	m.amConfig = amConfig
	if m.AlertmanagerURL, err = m.run(ctx, Alertmanager, amAlias, 9093, gw, []string{
		"--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager",
		"--cluster.listen-address=", "--web.listen-address=:9093",
	}, map[string][]byte{"/etc/alertmanager/alertmanager.yml": amConfig}, "/api/v2/status"); err != nil {
		return nil, err
	}
	promConfig, err := monitoring.RenderPrometheusConfig(monitoring.DefaultInterval, monitoring.DefaultInterval,
		[]string{"/etc/prometheus/dashstream.fast.rules.yml"}, []string{m.AlertmanagerAddr}, jobs)
	if err != nil {
		return nil, fmt.Errorf("start monitoring: %w", err)
	}
	if m.PrometheusURL, err = m.run(ctx, Prometheus, promAlias, 9090, gw, []string{
		"--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
		"--web.listen-address=:9090", "--web.enable-lifecycle",
		"--scrape.discovery-reload-interval=" + monitoring.DiscoveryReload.String(),
	}, map[string][]byte{
		"/etc/prometheus/prometheus.yml":            promConfig,
		"/etc/prometheus/dashstream.fast.rules.yml": rules,
	}, "/-/ready"); err != nil {
		return nil, err
	}
	cl, err := api.NewClient(api.Config{Address: m.PrometheusURL})
	if err != nil {
		return nil, fmt.Errorf("start monitoring: %w", err)
	}
	m.Prometheus = v1.NewAPI(cl)
	return m, nil
}

// fastFixtures returns the fast profile of the production rules and Alertmanager
// configuration, the latter delivering to webhookURL(receiver).
func fastFixtures(webhookURL func(string) string) (rules, am []byte, err error) {
	read := func(rel string) ([]byte, error) {
		p, err := monitoring.Fixture(rel)
		if err != nil {
			return nil, err
		}
		return os.ReadFile(p)
	}
	src, err := read(monitoring.ProductionRules)
	if err == nil {
		rules, err = profile.Rules(src, profile.Fast, "fixtures/"+monitoring.ProductionRules)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fast rules: %w", err)
	}
	src, err = read(monitoring.ProductionAlertmanager)
	if err == nil {
		am, err = profile.Alertmanager(src, profile.Fast, "fixtures/"+monitoring.ProductionAlertmanager, webhookURL)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("test alertmanager config: %w", err)
	}
	return rules, am, nil
}

// gateway returns the stack network's gateway address: the host as containers see it.
func (s *Stack) gateway(ctx context.Context) (string, error) {
	res, err := s.cli.NetworkInspect(ctx, s.net.ID, client.NetworkInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect network: %w", err)
	}
	for _, c := range res.Network.IPAM.Config {
		if c.Gateway.IsValid() && c.Gateway.Is4() {
			return c.Gateway.String(), nil
		}
	}
	return "", errors.New("the stack's network has no IPv4 gateway")
}

// forward relays connections to gw:<free port> to the loopback address upstream, so
// containers reach a server of the harness that listens on 127.0.0.1 only.
func (m *Monitoring) forward(gw, upstream string) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(gw, "0"))
	if err != nil {
		return fmt.Errorf("webhook forwarder on the network gateway %s: %w", gw, err)
	}
	m.fwd = ln
	m.fwdWG.Add(1)
	go func() {
		defer m.fwdWG.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(c, upstream)
		}
	}()
	return nil
}

// relay copies between c and a new connection to upstream until either side closes.
func relay(c net.Conn, upstream string) {
	defer c.Close()
	u, err := net.DialTimeout("tcp", upstream, 5*time.Second)
	if err != nil {
		return
	}
	defer u.Close()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(u, c)
	go cp(c, u)
	<-done
	<-done
}

// run starts a monitoring container with files copied in, publishes port on a pinned
// loopback port and waits until readyPath answers 200; it returns the host URL.
func (m *Monitoring) run(ctx context.Context, c Component, alias string, port int, gw string, cmd []string, files map[string][]byte, readyPath string) (string, error) {
	hostAddr, err := netfault.FreeAddr()
	if err != nil {
		return "", err
	}
	_, hostPort, _ := net.SplitHostPort(hostAddr)
	var cfs []testcontainers.ContainerFile
	for path, content := range files {
		cfs = append(cfs, testcontainers.ContainerFile{Reader: bytes.NewReader(content), ContainerFilePath: path, FileMode: 0o644})
	}
	pin := pinPort(port, hostPort)
	ctr, err := testcontainers.Run(ctx, Image(c),
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		testcontainers.WithName(m.st.name(alias)),
		testcontainers.WithLabels(runLabels(m.st.runID)),
		testcontainers.WithCmd(cmd...),
		testcontainers.WithFiles(cfs...),
		testcontainers.WithExposedPorts(fmt.Sprintf("%d/tcp", port)),
		network.WithNetwork([]string{alias}, m.st.net),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			pin(hc)
			hc.ExtraHosts = append(hc.ExtraHosts, HostAlias+":"+gw)
		}),
	)
	if ctr != nil {
		m.ids = append(m.ids, ctr.GetContainerID())
		if c == Prometheus {
			m.prom = ctr
		}
	}
	if err != nil {
		return "", fmt.Errorf("start %s container (image %s): %w", c, Image(c), err)
	}
	url := "http://" + hostAddr
	httpc := &http.Client{Timeout: 2 * time.Second}
	err = poll(ctx, DefaultStartTimeout, 100*time.Millisecond, func(ctx context.Context) (bool, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+readyPath, nil)
		if err != nil {
			return false, err.Error()
		}
		resp, err := httpc.Do(req)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	if err != nil {
		return "", fmt.Errorf("%s container not ready at %s%s: %w\n%s", c, url, readyPath, err,
			containerLogs(ctx, m.st.cli, ctr.GetContainerID(), 40))
	}
	return url, nil
}

// Log returns the last n lines of the Alertmanager container, then of the Prometheus one.
func (m *Monitoring) Log(n int) string {
	var b bytes.Buffer
	for _, id := range m.ids {
		b.WriteString(containerLogs(context.Background(), m.st.cli, id, n))
	}
	return b.String()
}

// Close removes both containers, stops the forwarder and the webhook receiver. It is
// safe to call twice; the stack's Close calls it too.
func (m *Monitoring) Close() error {
	m.closeMu.Lock()
	defer m.closeMu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for _, id := range m.ids {
		removeContainer(m.st.cli, id)
	}
	var errs []error
	if m.fwd != nil {
		errs = append(errs, m.fwd.Close())
		m.fwdWG.Wait()
	}
	if m.Webhook != nil {
		errs = append(errs, m.Webhook.Close())
	}
	return errors.Join(errs...)
}
