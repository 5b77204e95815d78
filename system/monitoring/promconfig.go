package monitoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
	"time"

	"github.com/prometheus/common/model"

	"github.com/dashstream/acceptance/system/tools"
)

// EnvFixturesDir names the environment variable that overrides the fixtures directory.
const EnvFixturesDir = "DASHSTREAM_FIXTURES_DIR"

// Paths of the fixtures, relative to the fixtures directory.
const (
	PrometheusTemplate     = "prometheus/prometheus.yml.tmpl"
	ProductionRules        = "prometheus/rules/dashstream.rules.yml"
	FastRules              = "prometheus/generated/dashstream.fast.rules.yml"
	ProductionAlertmanager = "alertmanager/alertmanager.yml"
)

// FixturesDir returns $DASHSTREAM_FIXTURES_DIR when set, else `<repo root>/fixtures`.
func FixturesDir() (string, error) {
	if d := os.Getenv(EnvFixturesDir); d != "" {
		return filepath.Abs(d)
	}
	root, err := tools.RepoRoot()
	if err != nil {
		return "", fmt.Errorf("fixtures dir: %w", err)
	}
	return filepath.Join(root, "fixtures"), nil
}

// Fixture returns the absolute path of a file in the fixtures directory.
func Fixture(rel string) (string, error) {
	dir, err := FixturesDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.FromSlash(rel)), nil
}

// promConfigData is what the Prometheus template is rendered with.
type promConfigData struct {
	ScrapeInterval, ScrapeTimeout, EvaluationInterval string
	RuleFiles                                         []string
	Alertmanagers                                     []string
	Jobs                                              []ScrapeJob
}

// RenderPrometheusConfig renders the scenario template (fixtures PrometheusTemplate) for
// the given intervals, rule files, Alertmanagers and scrape jobs. Rule file paths are
// made absolute. The scrape timeout is the scrape interval, at most 10 s.
func RenderPrometheusConfig(scrape, eval time.Duration, ruleFiles, alertmanagers []string, jobs []ScrapeJob) ([]byte, error) {
	path, err := Fixture(PrometheusTemplate)
	if err != nil {
		return nil, fmt.Errorf("render prometheus config: %w", err)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("render prometheus config: %w", err)
	}
	tmpl, err := template.New("prometheus.yml").Option("missingkey=error").
		Funcs(template.FuncMap{"quote": quote}).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("render prometheus config: parse %s: %w", path, err)
	}
	data := promConfigData{
		ScrapeInterval:     model.Duration(scrape).String(),
		ScrapeTimeout:      model.Duration(min(scrape, 10*time.Second)).String(),
		EvaluationInterval: model.Duration(eval).String(),
		Alertmanagers:      alertmanagers,
	}
	for _, f := range ruleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("render prometheus config: %w", err)
		}
		data.RuleFiles = append(data.RuleFiles, abs)
	}
	for _, j := range jobs {
		if j.MetricsPath == "" {
			j.MetricsPath = "/metrics"
		}
		data.Jobs = append(data.Jobs, j)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render prometheus config: %w", err)
	}
	return buf.Bytes(), nil
}

// quote renders s as a JSON string, which YAML reads as the same string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
