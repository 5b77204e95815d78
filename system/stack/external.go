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
	return s, nil
}

// StartMonitoring is not available: an external Prometheus cannot be reconfigured to
// scrape the harness's services, so alerting scenarios are skipped.
func (s *external) StartMonitoring(context.Context, ...monitoring.ScrapeJob) (*monitoring.Stack, error) {
	return nil, errors.Join(ErrUnsupported, errors.New("the external stack uses the existing Prometheus and Alertmanager"))
}
