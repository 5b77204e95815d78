package promcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/dashstream/acceptance/system/tools"
)

// ErrCheckFailed is returned when promtool or amtool reports a problem (non-zero exit).
var ErrCheckFailed = errors.New("check failed")

// run runs a pinned tool and returns its combined output.
func run(ctx context.Context, tool string, args ...string) (string, error) {
	bin, err := tools.Ensure(ctx, tool)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), fmt.Errorf("%s %s: %w (%v):\n%s", tool, strings.Join(args, " "), ErrCheckFailed, err, out.String())
	}
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w", tool, strings.Join(args, " "), err)
	}
	return out.String(), nil
}

// CheckRules runs `promtool check rules` on rule files.
func CheckRules(ctx context.Context, files ...string) (string, error) {
	return run(ctx, "promtool", append([]string{"check", "rules"}, files...)...)
}

// TestRules runs `promtool test rules` on unit-test files.
func TestRules(ctx context.Context, files ...string) (string, error) {
	return run(ctx, "promtool", append([]string{"test", "rules"}, files...)...)
}

// CheckPrometheusConfig runs `promtool check config` (which checks the rule files the
// configuration names too).
func CheckPrometheusConfig(ctx context.Context, file string) (string, error) {
	return run(ctx, "promtool", "check", "config", file)
}

// CheckAlertmanagerConfig runs `amtool check-config` on configuration files.
func CheckAlertmanagerConfig(ctx context.Context, files ...string) (string, error) {
	return run(ctx, "amtool", append([]string{"check-config"}, files...)...)
}

// Route returns the sorted receivers `amtool config routes test` routes labels to, given
// as name=value pairs ("severity=critical"). An empty label set is allowed.
func Route(ctx context.Context, configFile string, labels ...string) ([]string, error) {
	args := append([]string{"config", "routes", "test", "--config.file=" + configFile}, labels...)
	out, err := run(ctx, "amtool", args...)
	if err != nil {
		return nil, err
	}
	var receivers []string
	for _, r := range strings.Split(strings.TrimSpace(out), ",") {
		if r = strings.TrimSpace(r); r != "" {
			receivers = append(receivers, r)
		}
	}
	sort.Strings(receivers)
	return receivers, nil
}
