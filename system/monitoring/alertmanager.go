package monitoring

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dashstream/acceptance/system/proc"
)

// Alertmanager is a running Alertmanager started by StartAlertmanager.
type Alertmanager struct {
	*child
	config string
}

// StartAlertmanager starts Alertmanager as a child process on a free loopback port with
// the given configuration (YAML) written into a new temporary directory, gossip disabled
// (--cluster.listen-address=""), and returns once /api/v2/status answers 200. On error
// nothing is left running.
func StartAlertmanager(ctx context.Context, config []byte, opts ...AlertmanagerOption) (*Alertmanager, error) {
	var s amSettings
	for _, o := range opts {
		o.applyAlertmanager(&s)
	}
	s.defaults()
	dir, err := os.MkdirTemp("", "dashstream-alertmanager-")
	if err != nil {
		return nil, fmt.Errorf("start alertmanager: %w", err)
	}
	am := &Alertmanager{config: filepath.Join(dir, "alertmanager.yml")}
	if err := os.WriteFile(am.config, config, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start alertmanager: %w", err)
	}
	ch, err := startChild(ctx, childSpec{
		name: "alertmanager", tool: "alertmanager", dir: dir, readyPath: "/api/v2/status",
		args: func(listen string) []string {
			return append([]string{
				"--config.file=" + am.config,
				"--storage.path=" + filepath.Join(dir, "data"),
				"--web.listen-address=" + listen,
				"--web.external-url=http://" + listen + "/",
				"--cluster.listen-address=",
				"--log.level=info",
			}, s.extraArgs...)
		},
	}, s.common)
	if err != nil {
		return nil, fmt.Errorf("start alertmanager: %w", err)
	}
	am.child = ch
	return am, nil
}

// URL returns the base URL ("http://127.0.0.1:port").
func (a *Alertmanager) URL() string { return a.base }

// HostPort returns "127.0.0.1:port", the form Prometheus's alerting config wants.
func (a *Alertmanager) HostPort() string { return a.base[len("http://"):] }

// Process returns the child process, for chaos (Pause, Kill) and for its log.
func (a *Alertmanager) Process() *proc.Process { return a.proc }

// ConfigFile returns the path of the configuration file.
func (a *Alertmanager) ConfigFile() string { return a.config }

// Reload writes a new configuration and asks Alertmanager to load it (POST /-/reload).
// An invalid configuration is refused by Alertmanager, which keeps the old one; the
// file is restored too.
func (a *Alertmanager) Reload(ctx context.Context, config []byte) error {
	old, err := os.ReadFile(a.config)
	if err != nil {
		return fmt.Errorf("reload alertmanager: %w", err)
	}
	if err := os.WriteFile(a.config, config, 0o644); err != nil {
		return fmt.Errorf("reload alertmanager: %w", err)
	}
	if err := a.post(ctx, "/-/reload"); err != nil {
		_ = os.WriteFile(a.config, old, 0o644)
		return fmt.Errorf("reload alertmanager: %w", err)
	}
	return nil
}

// Close stops Alertmanager and removes its directory; it is safe to call twice.
func (a *Alertmanager) Close() error { return a.close() }
