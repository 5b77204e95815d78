package monitoring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dashstream/acceptance/system/monitoring/profile"
	"github.com/dashstream/acceptance/system/monitoring/webhook"
	"github.com/dashstream/acceptance/system/tools"
)

// Stack is a Prometheus, an Alertmanager and a recording webhook receiver wired together
// with the fast profile of the production fixtures: Prometheus evaluates the fast rules
// (generated from fixtures ProductionRules) every second and sends alerts to the
// Alertmanager, whose configuration is the test profile of fixtures
// ProductionAlertmanager: the production routes with every receiver (pager, team)
// delivering to Webhook under its own name.
type Stack struct {
	// Prometheus scrapes the jobs given to StartStack.
	Prometheus *Prometheus
	// Alertmanager routes with the production route tree.
	Alertmanager *Alertmanager
	// Webhook records every notification; Delivery.Receiver is "pager" or "team".
	Webhook *webhook.Receiver
	// Profile is the profile the rules and routes were scaled with.
	Profile profile.Profile
	// RulesFile and AlertmanagerFile are the generated files.
	RulesFile, AlertmanagerFile string

	dir    string
	closed bool
}

// StartStack starts the webhook receiver, Alertmanager and Prometheus, in that order, and
// returns once all are ready. opts configure Prometheus after the stack's defaults (1 s
// intervals, the fast rules, the Alertmanager): add scrape jobs with Scrape. LogTo,
// ReadyTimeout, Grace and ExtraArgs options are passed to Alertmanager too; Binary is not.
// On error everything started is stopped, the stack is nil and the error names the part
// that failed and what to do about it.
func StartStack(ctx context.Context, opts ...PrometheusOption) (*Stack, error) {
	st := &Stack{Profile: profile.Fast}
	if err := st.start(ctx, opts); err != nil {
		// st, not a named result: `return nil, err` would nil it before a deferred Close.
		return nil, errors.Join(err, st.Close())
	}
	return st, nil
}

// start starts the parts of st one by one; the caller closes st when it fails.
func (st *Stack) start(ctx context.Context, opts []PrometheusOption) (err error) {
	if st.dir, err = os.MkdirTemp("", "dashstream-monitoring-"); err != nil {
		return fmt.Errorf("start stack: %w (the temporary directory must be writable: check TMPDIR)", err)
	}
	if st.Webhook, err = webhook.Start(ctx); err != nil {
		return fmt.Errorf("start stack: webhook receiver: %w", err)
	}
	if st.RulesFile, err = st.generate(ProductionRules, "dashstream.fast.rules.yml", func(src []byte) ([]byte, error) {
		return profile.Rules(src, st.Profile, "fixtures/"+ProductionRules)
	}); err != nil {
		return err
	}
	if st.AlertmanagerFile, err = st.generate(ProductionAlertmanager, "alertmanager.test.yml", func(src []byte) ([]byte, error) {
		return profile.Alertmanager(src, st.Profile, "fixtures/"+ProductionAlertmanager, st.Webhook.URL)
	}); err != nil {
		return err
	}
	amConfig, err := os.ReadFile(st.AlertmanagerFile)
	if err != nil {
		return fmt.Errorf("start stack: %w", err)
	}
	var amOpts []AlertmanagerOption
	for _, o := range opts {
		if ao, ok := o.(AlertmanagerOption); ok {
			if _, isBinary := o.(BinaryOption); !isBinary {
				amOpts = append(amOpts, ao)
			}
		}
	}
	if st.Alertmanager, err = StartAlertmanager(ctx, amConfig, amOpts...); err != nil {
		return fmt.Errorf("start stack: %w (check the config with `make rules-test`; the tools build with `make tools`)", err)
	}
	promOpts := append([]PrometheusOption{
		ScrapeInterval(DefaultInterval), EvaluationInterval(DefaultInterval),
		RuleFiles(st.RulesFile), AlertmanagerTargets(st.Alertmanager.HostPort()),
	}, opts...)
	if st.Prometheus, err = StartPrometheus(ctx, promOpts...); err != nil {
		return fmt.Errorf("start stack: %w (check the rules with `make rules-test`; the tools build with `make tools`)", err)
	}
	return nil
}

// generate reads a fixture, transforms it and writes the result into the stack's dir.
func (st *Stack) generate(fixture, name string, transform func([]byte) ([]byte, error)) (string, error) {
	path, err := Fixture(fixture)
	if err != nil {
		return "", fmt.Errorf("start stack: %w (run inside the repository or set %s)", err, EnvFixturesDir)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("start stack: read fixture: %w (%s must point at the repository's fixtures folder)", err, EnvFixturesDir)
	}
	out, err := transform(src)
	if err != nil {
		return "", fmt.Errorf("start stack: %w (fix %s; `make rules-test` checks it)", err, fixture)
	}
	dst := filepath.Join(st.dir, name)
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		return "", fmt.Errorf("start stack: %w", err)
	}
	return dst, nil
}

// Versions returns the versions of the stack's components, for reports: the pinned
// binaries, run on the host.
func (st *Stack) Versions() map[string]string {
	return map[string]string{
		"prometheus":   tools.Version("prometheus") + " (host process)",
		"alertmanager": tools.Version("alertmanager") + " (host process)",
	}
}

// Close stops Prometheus, Alertmanager and the webhook receiver and removes the
// generated files. It is safe to call twice.
func (st *Stack) Close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	var errs []error
	if st.Prometheus != nil {
		errs = append(errs, st.Prometheus.Close())
	}
	if st.Alertmanager != nil {
		errs = append(errs, st.Alertmanager.Close())
	}
	if st.Webhook != nil {
		errs = append(errs, st.Webhook.Close())
	}
	if st.dir != "" {
		errs = append(errs, os.RemoveAll(st.dir))
	}
	return errors.Join(errs...)
}
