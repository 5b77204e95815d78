package containers

import (
	"context"
	"slices"

	"github.com/dashstream/acceptance/system/monitoring"
)

// StartMonitoring implements stack.Stack. It returns a *monitoring.Stack, whose Prometheus
// and Alertmanager are child processes of the harness (that struct cannot hold containers,
// see the package doc), so they run on the host with the fast profile and scrape the
// services at their published host ports: a target that is the ScrapeAddr of one of this
// stack's services is rewritten to its Addr. StartContainerMonitoring runs both as
// containers on the stack's network instead.
func (s *Stack) StartMonitoring(ctx context.Context, jobs ...monitoring.ScrapeJob) (*monitoring.Stack, error) {
	jobs = s.hostJobs(jobs)
	st, err := monitoring.StartStack(ctx, monitoring.ScrapeJobs(jobs...))
	if err != nil {
		return nil, err
	}
	s.onClose(func(context.Context) error { return st.Close() })
	return st, nil
}

// hostJobs rewrites in-network targets of this stack's services to their host addresses.
func (s *Stack) hostJobs(jobs []monitoring.ScrapeJob) []monitoring.ScrapeJob {
	out := make([]monitoring.ScrapeJob, len(jobs))
	for i, j := range jobs {
		j.Targets = slices.Clone(j.Targets)
		for k, t := range j.Targets {
			if host, ok := s.services.hostAddr(t); ok {
				j.Targets[k] = host
			}
		}
		out[i] = j
	}
	return out
}
