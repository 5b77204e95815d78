package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// settingsState is the settings family's state: how the last service run ended.
type settingsState struct {
	service, setting string
	res              stack.Result
	err              error
}

// settingRoles maps a service's name in a feature to its role.
var settingRoles = map[string]sut.Role{"exporter": sut.Exporter, "consumer": sut.Consumer, "producer": sut.Producer}

func registerSettingsSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the (\S+) is started with (\S+) set to "([^"]*)", every other setting valid$`, startWithSetting)
	sc.Step(`^it exits with status 2 within (\d+) seconds and one line on stderr that names (\S+)$`, exitsTwoNaming)
}

// startWithSetting runs a service with one setting, an environment variable (upper case)
// or a flag (starting with "-"), set to value; every other setting points at the
// scenario's own topic so that a service that wrongly starts touches nothing shared. The
// run is bounded by 30 s: a service that starts and keeps running is stopped there.
func startWithSetting(ctx context.Context, service, setting, value string) error {
	w := world(ctx)
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	role, ok := settingRoles[service]
	if !ok {
		return fmt.Errorf("service %q: use exporter, consumer or producer", service)
	}
	topic := w.topic("events")
	l := launch{role: role, name: service, env: map[string]string{}}
	switch service {
	case "exporter":
		l.env["METRICS_ADDR"], l.env["KAFKA_TOPICS"], l.env["DLQ_TOPIC"] = "127.0.0.1:0", topic, w.topic("dlq")
	case "consumer":
		l = l.flag("-topic", topic).flag("-dlq-topic", w.topic("dlq")).flag("-timeout", "2s")
	case "producer":
		l = l.flag("-topic", topic).flag("-messages", "3")
	}
	switch {
	case strings.HasPrefix(setting, "-"):
		l = l.flag(setting, value)
	case strings.ToUpper(setting) == setting:
		l.env[setting] = value
	default:
		return fmt.Errorf("setting %q: write a flag (-rate) or an environment variable (LAG_INTERVAL)", setting)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st := state[settingsState](w)
	st.service, st.setting = service, setting
	st.res, st.err = w.run(rctx, l)
	if sut.IsMissing(st.err) || errors.Is(st.err, godog.ErrSkip) {
		return st.err
	}
	w.rec.Evidence(evidence.After, evidence.KindLog, fmt.Sprintf("%s with %s=%q", service, setting, value), map[string]any{
		"exit_code": st.res.ExitCode, "stderr": proc.LastLines(st.res.Stderr, 5), "seconds": st.res.Duration.Seconds()})
	return nil
}

// exitsTwoNaming requires the last run to have ended by itself with status 2 within the
// bound, with exactly one line on stderr that names the setting.
func exitsTwoNaming(ctx context.Context, seconds int, name string) error {
	st := state[settingsState](world(ctx))
	if st.err != nil {
		return fmt.Errorf("the %s did not exit by itself: %w; stderr: %s", st.service, st.err, proc.LastLines(st.res.Stderr, 5))
	}
	if st.res.ExitCode != 2 {
		return fmt.Errorf("the %s exited with status %d, expected 2; stderr: %s", st.service, st.res.ExitCode, proc.LastLines(st.res.Stderr, 5))
	}
	if limit := time.Duration(seconds) * time.Second; st.res.Duration > limit {
		return fmt.Errorf("the %s took %s to refuse its setting, more than %s", st.service, st.res.Duration.Round(time.Millisecond), limit)
	}
	lines := strings.Split(strings.TrimRight(st.res.Stderr, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		return fmt.Errorf("the %s wrote %d lines on stderr, expected exactly one: %q", st.service, len(lines), proc.LastLines(st.res.Stderr, 5))
	}
	if !strings.Contains(lines[0], name) {
		return fmt.Errorf("the %s's error does not name %s: %q", st.service, name, lines[0])
	}
	return nil
}
