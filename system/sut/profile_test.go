package sut

import (
	"path/filepath"
	"runtime"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
)

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestEveryProfileInTheRepositoryLoads(t *testing.T) {
	root := repoRoot(t)
	names := Available(root)
	require.Contains(t, names, Default)
	for _, n := range names {
		p, err := Load(root, n)
		require.NoError(t, err, n)
		assert.Equal(t, n, p.Name, "a profile's file is named after it")
	}
}

func TestReferenceIsNative(t *testing.T) {
	p, err := Load(repoRoot(t), Default)
	require.NoError(t, err)
	m, err := p.Metric("dashstream_sequence_gaps_total")
	require.NoError(t, err)
	assert.Equal(t, "dashstream_sequence_gaps_total", m.Name)
	spec, err := p.Spec(Exporter, "exporter", true, []Setting{{"KAFKA_TOPICS", "t"}}, Extras{}, "/bin")
	require.NoError(t, err)
	assert.Equal(t, "dashstream-exporter", spec.Binary)
	assert.Equal(t, "METRICS_ADDR", spec.AddrEnv)
	assert.Equal(t, map[string]string{"KAFKA_TOPICS": "t"}, spec.Env)
	raw := []byte(`{"status":"degraded","metrics":{"kafka_errors":3}}`)
	got, err := p.ContractHealth(raw)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(got))
}

const other = `
name: other
version: {file: other/VERSION}
roles:
  wsserver:
    command: other/bin/ws
    listen: {env: PORT, form: port, host: BIND}
    settings: {KAFKA_TOPICS: KAFKA_TOPIC, -group: --group-id}
    env: {REDIS_URL: "${REDIS_URL}"}
    needs: [redis]
metrics:
  dashstream_messages_received_total:
    - {name: ws_received, labels: {tenant: tenant_id}, select: {status: success}}
    - {name: exporter_received}
  dashstream_sequence_zero_total: {missing: it does not count sequence 0}
health:
  path: /healthz
  statuses: {healthy: [ok], degraded: [degraded, slow]}
  fields: {status: state, circuit_breaker.state: breaker}
lacks:
  tenant-selection: a client gets every tenant
`

func TestAnotherImplementationIsTranslated(t *testing.T) {
	p, err := Parse([]byte(other))
	require.NoError(t, err)
	spec, err := p.Spec(WSServer, "wsserver", true, []Setting{{"KAFKA_TOPICS", "t1"}, {"-group", "g"}},
		Extras{RedisURL: "redis://127.0.0.1:1"}, "/bins")
	require.NoError(t, err)
	assert.Equal(t, "/bins/other/bin/ws", spec.Command)
	assert.Equal(t, "PORT", spec.AddrEnv)
	assert.True(t, spec.AddrPortOnly)
	assert.Equal(t, map[string]string{"PORT": "8080", "BIND": "0.0.0.0"}, spec.ListenEnv("", "8080"), "in a container: every interface")
	assert.Equal(t, map[string]string{"PORT": "4000", "BIND": "127.0.0.1"}, spec.ListenEnv("127.0.0.1", "4000"), "on the host: loopback")
	assert.Equal(t, map[string]string{"KAFKA_TOPIC": "t1", "REDIS_URL": "redis://127.0.0.1:1"}, spec.Env)
	assert.Equal(t, []string{"--group-id=g"}, spec.Args)

	_, err = p.Spec(WSServer, "wsserver", false, []Setting{{"CB_OPEN_FOR", "1s"}}, Extras{}, "/bins")
	require.True(t, IsMissing(err))
	assert.Contains(t, err.Error(), "other lacks setting CB_OPEN_FOR of the wsserver")
	_, err = p.Spec(Exporter, "exporter", false, nil, Extras{}, "/bins")
	assert.True(t, IsMissing(err), "a role the profile does not give is missing")

	fams := p.ContractFamilies(map[string]*dto.MetricFamily{"ws_received": family("ws_received",
		series(5, "status", "success", "tenant_id", "acme"), series(2, "status", "error", "tenant_id", "acme"))})
	got := fams["dashstream_messages_received_total"]
	require.NotNil(t, got, "the contract's family is added")
	require.Len(t, got.GetMetric(), 1, "only the selected series")
	assert.Equal(t, 5.0, got.GetMetric()[0].GetCounter().GetValue())
	assert.Equal(t, "tenant", got.GetMetric()[0].GetLabel()[0].GetName(), "labels renamed, the selecting one dropped")
	assert.Len(t, got.GetMetric()[0].GetLabel(), 1)
	assert.Contains(t, fams, "ws_received", "the implementation's own family stays")
	_, err = p.Metric("dashstream_sequence_zero_total")
	assert.ErrorContains(t, err, "it does not count sequence 0")
	_, err = p.Metric("dashstream_sequence_gaps_total")
	assert.True(t, IsMissing(err), "an unmapped metric of a non-native profile is missing")

	gotH, err := p.ContractHealth([]byte(`{"state":"slow","breaker":"open","extra":1}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"status":"degraded","circuit_breaker":{"state":"open"}}`, string(gotH))
	gotH, err = p.ContractHealth([]byte(`{"state":"weird"}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"status":"unknown:weird"}`, string(gotH), "an unmapped status is shown, never matched")
	assert.ErrorContains(t, p.Need(WSServer, "tenant-selection"), "a client gets every tenant")

	assert.Equal(t, []monitoring.Relabel{
		{SourceLabels: []string{"__name__", "status", "tenant_id"}, Regex: `ws_received(?:_bucket|_sum|_count)?;success;(.+)`, TargetLabel: "tenant", Replacement: "${1}"},
		{SourceLabels: []string{"__name__", "status"}, Regex: `ws_received(_bucket|_sum|_count)?;success`, TargetLabel: "__name__", Replacement: "dashstream_messages_received_total${1}"},
		{SourceLabels: []string{"__name__"}, Regex: `exporter_received(_bucket|_sum|_count)?`, TargetLabel: "__name__", Replacement: "dashstream_messages_received_total${1}"},
	}, p.Relabel(WSServer), "labels copied while the series has its own name, then renamed; the selection is part of the match")
	assert.NoError(t, p.MetricLabel(WSServer, "dashstream_messages_received_total", "tenant"))
	err = p.MetricLabel(WSServer, "dashstream_messages_received_total", "reason")
	assert.True(t, IsMissing(err))
	assert.ErrorContains(t, err, "its ws_received has no label for the contract's reason")
	ref, err := Load(repoRoot(t), "reference")
	require.NoError(t, err)
	assert.Empty(t, ref.Relabel(Exporter), "the reference's names are the contract's: nothing to rename")
	assert.NoError(t, ref.MetricLabel(Exporter, "dashstream_decode_failures_total", "reason"))
}

func family(name string, ms ...*dto.Metric) *dto.MetricFamily {
	t := dto.MetricType_COUNTER
	return &dto.MetricFamily{Name: &name, Type: &t, Metric: ms}
}

func series(v float64, labels ...string) *dto.Metric {
	m := &dto.Metric{Counter: &dto.Counter{Value: &v}}
	for i := 0; i+1 < len(labels); i += 2 {
		m.Label = append(m.Label, &dto.LabelPair{Name: &labels[i], Value: &labels[i+1]})
	}
	return m
}

func TestBadProfilesSayWhatIsWrong(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"roles: {exporter: {reference: x}}", "name is empty"},
		{"name: x", "roles is empty"},
		{"name: x\nroles: {exporter: {}}", "give reference"},
		{"name: x\nroles: {worker: {command: w}}", `role "worker"`},
		{"name: x\nroles: {exporter: {command: w, listen: {env: P, form: url}}}", "listen.form"},
		{"name: x\nroles: {exporter: {command: w, listen: {env: P, form: addr, host: H}}}", "listen.host \"H\" needs form port"},
		{"name: x\nroles: {exporter: {command: w, settings: {topic: T}}}", "setting topic"},
		{"name: x\nroles: {exporter: {command: w, needs: [postgres]}}", `needs "postgres"`},
		{"name: x\nroles: {exporter: {command: w}}\nmetrics: {m: {}}", "metric m"},
		{"name: x\nroles: {exporter: {command: w}}\nhealth: {statuses: {fine: [ok]}}", `"fine"`},
		{"name: x\nroles: {exporter: {command: w}}\nlack: {}", "field lack not found"},
	} {
		_, err := Parse([]byte(tc.yaml))
		assert.ErrorContains(t, err, tc.want, tc.yaml)
	}
	_, err := Load(repoRoot(t), "nosuch")
	assert.ErrorContains(t, err, "reference")
}
