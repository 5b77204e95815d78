package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dashstream/acceptance/system/monitoring"
)

// Environment variables of the external stack.
const (
	EnvKafkaBrokers     = "KAFKA_BROKERS"
	EnvPrometheusURL    = "PROMETHEUS_URL"
	EnvAlertmanagerURL  = "ALERTMANAGER_URL"
	EnvAllowDestructive = "DASHSTREAM_ALLOW_DESTRUCTIVE"
)

// external is an existing cluster the harness does not control.
type external struct{ *base }

// startExternal connects to the cluster named by KAFKA_BROKERS. Brokers cannot be killed
// or paused from here; records are deleted only when destructive scenarios are allowed.
func startExternal(ctx context.Context, cfg Config) (Stack, error) {
	addrs := strings.FieldsFunc(os.Getenv(EnvKafkaBrokers), func(r rune) bool { return r == ',' || r == ' ' })
	if len(addrs) == 0 {
		return nil, fmt.Errorf("the external stack needs %s (host:port,...) and optionally %s and %s", EnvKafkaBrokers, EnvPrometheusURL, EnvAlertmanagerURL)
	}
	caps := []Capability{RunServices, DurableIdempotence, HostServices}
	if os.Getenv(EnvAllowDestructive) == "1" {
		caps = append(caps, DeleteRecords, Destructive)
	}
	s := &external{base: newBase("external", caps...)}
	for i, a := range addrs {
		s.kafka.brokers = append(s.kafka.brokers, &controlledBroker{name: fmt.Sprintf("kafka-%d", i), addr: a})
	}
	s.kafka.version = "external"
	adm, err := s.kafka.Admin()
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	if _, err := adm.BrokerMetadata(ctx); err != nil {
		return nil, fmt.Errorf("no metadata from %s=%s: %w; check the addresses and that this machine can reach them", EnvKafkaBrokers, strings.Join(addrs, ","), err)
	}
	s.setVersion("kafka", "external ("+strings.Join(addrs, ",")+")")
	s.setVersion("prometheus", "external "+os.Getenv(EnvPrometheusURL))
	s.setVersion("alertmanager", "external "+os.Getenv(EnvAlertmanagerURL))
	if os.Getenv(EnvPrometheusURL) != "" || os.Getenv(EnvAlertmanagerURL) != "" {
		mon, err := s.connectMonitoring(ctx)
		if err != nil {
			return nil, err
		}
		for k, v := range mon.Versions() {
			s.setVersion(k, v)
		}
	}
	return s, nil
}

// connectMonitoring connects to the Prometheus and Alertmanager of PROMETHEUS_URL and
// ALERTMANAGER_URL; both must be set.
func (s *external) connectMonitoring(ctx context.Context) (*monitoring.External, error) {
	prom, am := os.Getenv(EnvPrometheusURL), os.Getenv(EnvAlertmanagerURL)
	if prom == "" || am == "" {
		return nil, fmt.Errorf("the external stack's monitoring needs both %s and %s (http://host:port); %s=%q, %s=%q",
			EnvPrometheusURL, EnvAlertmanagerURL, EnvPrometheusURL, prom, EnvAlertmanagerURL, am)
	}
	return monitoring.ConnectExternal(ctx, prom, am)
}

// StartMonitoring connects to the user's Prometheus and Alertmanager (PROMETHEUS_URL,
// ALERTMANAGER_URL): rules are read as loaded there and alerts from Alertmanager's API.
// It cannot give that Prometheus scrape jobs, so jobs are refused (ErrUnsupported): the
// stack does not declare Monitoring, and scenarios that scrape the harness's services
// skip; nor ReceiveAlerts, as no receiver of the harness is among its receivers.
func (s *external) StartMonitoring(ctx context.Context, jobs ...monitoring.ScrapeJob) (monitoring.Monitoring, error) {
	if len(jobs) > 0 {
		return nil, errors.Join(ErrUnsupported, errors.New("the external Prometheus scrapes what its own configuration says: it cannot be given the scenario's jobs"))
	}
	mon, err := s.connectMonitoring(ctx)
	if err != nil {
		return nil, errors.Join(ErrUnsupported, err)
	}
	return mon, nil
}
