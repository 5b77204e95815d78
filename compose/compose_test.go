package compose

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/dashstream/acceptance/system/containers"
)

// file is the part of a compose file the tests read.
type file struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Hostname    string            `yaml:"hostname"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Command     []string          `yaml:"command"`
		Ports       []string          `yaml:"ports"`
		MemLimit    string            `yaml:"mem_limit"`
	} `yaml:"services"`
}

func load(t *testing.T) file {
	t.Helper()
	b, err := os.ReadFile("docker-compose.yml")
	require.NoError(t, err)
	var f file
	require.NoError(t, yaml.Unmarshal(b, &f))
	require.NotEmpty(t, f.Services)
	return f
}

// interpolation is ${VAR:-default} or ${VAR}.
var interpolation = regexp.MustCompile(`\$\{([A-Z_]+)(?::-([^}]*))?\}`)

// resolve replaces every ${VAR:-default} by its default.
func resolve(s string) string {
	return interpolation.ReplaceAllString(s, "$2")
}

// listeners parses "NAME://host:port,..." into name -> host:port.
func listeners(s string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(s, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(l), "://")
		if ok {
			out[name] = addr
		}
	}
	return out
}

func port(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }

func TestKafkaBrokersMatchAnInNetworkAdvertisedListener(t *testing.T) {
	f := load(t)
	kafka, ok := f.Services["kafka"]
	require.True(t, ok, "a service named kafka")
	names := map[string]bool{"kafka": true, kafka.Hostname: true}
	advertised := listeners(kafka.Environment["KAFKA_ADVERTISED_LISTENERS"])
	bound := listeners(kafka.Environment["KAFKA_LISTENERS"])
	inNetwork := map[string]bool{}
	for name, addr := range advertised {
		require.Contains(t, bound, name, "advertised listener %s is not in KAFKA_LISTENERS", name)
		require.Equal(t, port(bound[name]), port(addr), "listener %s listens on another port than it advertises", name)
		require.Contains(t, kafka.Environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], name+":")
		if names[strings.Split(addr, ":")[0]] {
			inNetwork[addr] = true
		}
	}
	require.NotEmpty(t, inNetwork, "Kafka advertises no address reachable on the compose network")
	require.Contains(t, advertised, kafka.Environment["KAFKA_INTER_BROKER_LISTENER_NAME"])
	require.Equal(t, "localhost:9092", advertised["EXTERNAL"], "host clients use localhost:9092")
	require.Contains(t, kafka.Ports, "127.0.0.1:9092:9092", "the EXTERNAL listener is published where it is advertised")

	users := 0
	for name, svc := range f.Services {
		brokers, ok := svc.Environment["KAFKA_BROKERS"]
		if !ok {
			continue
		}
		users++
		for _, b := range strings.Split(brokers, ",") {
			require.True(t, inNetwork[strings.TrimSpace(b)], "service %s: KAFKA_BROKERS %q is not an in-network advertised listener (%v)", name, b, advertised)
		}
	}
	require.GreaterOrEqual(t, users, 3, "exporter, wsserver and quality use Kafka")
}

func TestPrometheusScrapesServicesWhereTheyListen(t *testing.T) {
	f := load(t)
	b, err := os.ReadFile(filepath.Join("prometheus", "prometheus.yml"))
	require.NoError(t, err)
	var cfg struct {
		RuleFiles []string `yaml:"rule_files"`
		Alerting  struct {
			Alertmanagers []struct {
				StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
			}
		}
		ScrapeConfigs []struct {
			JobName       string                       `yaml:"job_name"`
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(b, &cfg))
	jobs := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		jobs[sc.JobName] = true
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host, p, _ := strings.Cut(target, ":")
				if host == "localhost" {
					continue // Prometheus itself
				}
				svc, ok := f.Services[host]
				require.True(t, ok, "job %s scrapes %s, which is no compose service", sc.JobName, target)
				require.True(t, listensOn(svc.Environment, p), "job %s scrapes %s but %s listens elsewhere (%v)", sc.JobName, target, host, svc.Environment)
			}
		}
	}
	require.True(t, jobs["dashstream-exporter"] && jobs["dashstream-wsserver"], "both services are scraped under their job names")
	require.Equal(t, "alertmanager:9093", cfg.Alerting.Alertmanagers[0].StaticConfigs[0].Targets[0])
	require.Contains(t, f.Services, "alertmanager")

	// The rule files Prometheus loads are the production rules mounted from fixtures.
	mounted := mounts(t, f, "prometheus")
	require.Contains(t, mounted, "/etc/prometheus/rules")
	for _, pattern := range cfg.RuleFiles {
		rel, err := filepath.Rel("/etc/prometheus/rules", pattern)
		require.NoError(t, err)
		matches, err := filepath.Glob(filepath.Join(mounted["/etc/prometheus/rules"], rel))
		require.NoError(t, err)
		require.NotEmpty(t, matches, "rule_files %s matches no mounted file", pattern)
	}
}

// listensOn reports whether a service's listen-address variable has port p.
func listensOn(env map[string]string, p string) bool {
	for _, k := range []string{"METRICS_ADDR", "WS_ADDR"} {
		if v, ok := env[k]; ok && port(v) == p {
			return true
		}
	}
	return false
}

// mounts returns a service's bind mounts: container path -> host path (defaults resolved,
// relative to the compose folder). Named volumes are left out.
func mounts(t *testing.T, f file, service string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range f.Services[service].Volumes {
		parts := strings.Split(resolve(v), ":")
		if !strings.HasPrefix(parts[0], ".") {
			continue
		}
		out[parts[1]] = parts[0]
	}
	return out
}

func TestMountedFilesExist(t *testing.T) {
	f := load(t)
	n := 0
	for name := range f.Services {
		for target, src := range mounts(t, f, name) {
			_, err := os.Stat(src)
			require.NoError(t, err, "service %s mounts missing %s at %s", name, src, target)
			n++
		}
	}
	require.GreaterOrEqual(t, n, 6)
}

func TestAlertmanagerSecretsPlaceholdersCoverTheProductionConfig(t *testing.T) {
	f := load(t)
	m := mounts(t, f, "alertmanager")
	cfg, err := os.ReadFile(m["/etc/alertmanager/alertmanager.yml"])
	require.NoError(t, err)
	files := regexp.MustCompile(`_file:\s*(/etc/alertmanager/secrets/\S+)`).FindAllStringSubmatch(string(cfg), -1)
	require.NotEmpty(t, files, "the production config reads its secrets from files")
	for _, m2 := range files {
		_, err := os.Stat(filepath.Join(m["/etc/alertmanager/secrets"], filepath.Base(m2[1])))
		require.NoError(t, err, "no placeholder for %s", m2[1])
	}
}

func TestImagesAreVariablesWithTheStackDefaults(t *testing.T) {
	f := load(t)
	want := map[string]containers.Component{
		"kafka": containers.Kafka, "exporter": containers.Exporter, "wsserver": containers.WSServer,
		"quality": containers.Produce, "prometheus": containers.Prometheus, "alertmanager": containers.Alertmanager,
	}
	for svc, c := range want {
		t.Setenv(containers.EnvVar(c), "")
		m := interpolation.FindStringSubmatch(f.Services[svc].Image)
		require.NotNil(t, m, "service %s: image is not a ${VAR:-default}", svc)
		require.Equal(t, containers.EnvVar(c), m[1], svc)
		require.Equal(t, containers.Image(c), m[2], "service %s: default differs from the containers stack's", svc)
	}
	require.Contains(t, f.Services["grafana"].Image, "${DASHSTREAM_IMAGE_GRAFANA:-grafana/grafana:")
	require.Equal(t, "${TENANT_ID:-default}", f.Services["quality"].Environment["TENANT_ID"])
	require.Equal(t, []string{"-kind", "quality", "-messages", "0", "-rate", "1", "-threads", "1"}, f.Services["quality"].Command)
}

func TestGrafanaDashboardUsesTheProvisionedDatasourceAndKnownMetrics(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("grafana", "provisioning", "datasources", "prometheus.yml"))
	require.NoError(t, err)
	var ds struct {
		Datasources []struct{ UID, URL string } `yaml:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(b, &ds))
	require.Equal(t, "http://prometheus:9090", ds.Datasources[0].URL)

	b, err = os.ReadFile(filepath.Join("grafana", "dashboards", "dashstream-overview.json"))
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Datasource struct{ UID string }
			Targets    []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(b, &dash))
	require.NotEmpty(t, dash.Panels)
	var contract strings.Builder
	for _, p := range []string{"../reference/exporter/doc.go", "../reference/consumer/doc.go", "../fixtures/prometheus/rules/dashstream.rules.yml"} {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		contract.Write(src)
	}
	metric := regexp.MustCompile(`dashstream_[a-z0-9_]+`)
	for _, p := range dash.Panels {
		require.Equal(t, ds.Datasources[0].UID, p.Datasource.UID)
		for _, tg := range p.Targets {
			for _, m := range metric.FindAllString(tg.Expr, -1) {
				m = strings.TrimSuffix(m, "_bucket")
				require.Contains(t, contract.String(), m, "the dashboard queries %s, which no service documents", m)
			}
		}
	}
}

func TestComposeConfigAccepts(t *testing.T) {
	var cmd []string
	switch {
	case exec.Command("docker", "compose", "version").Run() == nil:
		cmd = []string{"docker", "compose"}
	case exec.Command("docker-compose", "version").Run() == nil:
		cmd = []string{"docker-compose"}
	default:
		t.Skip("neither the docker compose plugin nor docker-compose is installed (Debian: apt-get install docker-compose)")
	}
	pw := filepath.Join(t.TempDir(), "grafana-admin-password")
	require.NoError(t, os.WriteFile(pw, []byte("not-the-default\n"), 0o600))
	grants := filepath.Join(t.TempDir(), "ws-grants")
	require.NoError(t, os.WriteFile(grants, []byte("0123456789abcdef0123456789abcdef acme\n"), 0o600))
	config := func(env ...string) ([]byte, error) {
		c := exec.Command(cmd[0], append(cmd[1:], "-f", "docker-compose.yml", "config", "-q")...)
		c.Env = append(append(os.Environ(), "WS_TOKEN_GRANTS_FILE="+grants), env...)
		return c.CombinedOutput()
	}
	out, err := config("GRAFANA_ADMIN_PASSWORD_FILE=" + pw)
	require.NoError(t, err, "%s config: %s", strings.Join(cmd, " "), out)
	out, err = config("GRAFANA_ADMIN_PASSWORD_FILE=")
	require.Error(t, err, "without Grafana's admin password file compose must refuse, not fall back to admin/admin")
	require.Contains(t, string(out), "GRAFANA_ADMIN_PASSWORD_FILE", "the refusal says what to set")
	out, err = config("GRAFANA_ADMIN_PASSWORD_FILE="+pw, "WS_TOKEN_GRANTS_FILE=")
	require.Error(t, err, "without token grants compose must refuse, not serve every tenant to anyone")
	require.Contains(t, string(out), "WS_TOKEN_GRANTS_FILE", "the refusal says what to set")
}

// TestHardening: every service has a memory limit, Prometheus runs without its
// unauthenticated lifecycle API, and Grafana's admin password comes from a secret file.
func TestHardening(t *testing.T) {
	f := load(t)
	for name, svc := range f.Services {
		require.NotEmpty(t, svc.MemLimit, "service %s has no mem_limit", name)
		for _, arg := range svc.Command {
			require.NotContains(t, arg, "web.enable-lifecycle", "service %s exposes /-/quit and /-/reload unauthenticated", name)
		}
	}
	g := f.Services["grafana"].Environment
	require.Equal(t, "/run/secrets/grafana_admin_password", g["GF_SECURITY_ADMIN_PASSWORD__FILE"])
	require.NotContains(t, g, "GF_SECURITY_ADMIN_PASSWORD", "no password in the file itself")
	require.Equal(t, "false", g["GF_USERS_ALLOW_SIGN_UP"])
	ws := f.Services["wsserver"].Environment
	require.Equal(t, "/run/secrets/ws_token_grants", ws["WS_AUTH_TOKENS_FILE"], "the WebSocket server binds tokens to tenants")
	require.NotContains(t, ws, "WS_AUTH_TOKEN", "the single all-tenants token is gone")
	require.NotContains(t, ws, "WS_UNAUTHENTICATED")
}
