package sut

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Role is a part of the pipeline an implementation provides.
type Role string

// The roles a profile can fill.
const (
	Producer   Role = "producer"   // writes records with per-thread sequence numbers
	Consumer   Role = "consumer"   // reads, judges sequences, dead-letters what it cannot decode
	Exporter   Role = "exporter"   // turns the stream into Prometheus metrics
	WSServer   Role = "wsserver"   // fans the stream out to WebSocket clients
	Aggregator Role = "aggregator" // the quality aggregator: writes quality events
)

// Roles lists every role in a fixed order.
func Roles() []Role { return []Role{Producer, Consumer, Exporter, WSServer, Aggregator} }

// Profile is one implementation of the DashStream contract, as the harness runs and
// observes it.
type Profile struct {
	// Name identifies the implementation ("reference", "dashflow").
	Name string `yaml:"name"`
	// Description says what it is and where it comes from, for the report.
	Description string `yaml:"description"`
	// Version says how the report learns the implementation's version.
	Version Version `yaml:"version"`
	// Roles says, for each role it provides, how the program starts.
	Roles map[Role]*RoleSpec `yaml:"roles"`
	// Metrics maps a contract metric name to the implementation's: one mapping, or a
	// list of alternatives (the first family a scrape holds wins: one service exposes one,
	// another service the other). Native profiles (metrics_native) expose the contract's
	// names themselves.
	Metrics map[string]Metrics `yaml:"metrics"`
	// MetricsNative says the implementation exposes every contract metric under its own
	// name; Metrics may still declare some missing.
	MetricsNative bool `yaml:"metrics_native"`
	// Health says how /health is read.
	Health Health `yaml:"health"`
	// WebSocket says how a client connects and what a frame holds.
	WebSocket WebSocket `yaml:"websocket"`
	// DLQ says how a dead-lettered record names its cause and source.
	DLQ DLQ `yaml:"dlq"`
	// Limits are the implementation's documented bounds the scenarios test against.
	Limits Limits `yaml:"limits"`
	// Lacks lists the capabilities the implementation does not have, each with the reason.
	Lacks map[string]string `yaml:"lacks"`

	file string
}

// Version says where the implementation's version comes from: a file written when it was
// built (relative to the bin folder), or this repository's own commit for the reference.
type Version struct {
	File       string `yaml:"file"`
	Repository bool   `yaml:"repository"`
}

// RoleSpec says how one role's program starts.
type RoleSpec struct {
	// Reference names the reference program (reference/cmd/<name>), built from this
	// repository by the harness.
	Reference string `yaml:"reference"`
	// Command is an executable built elsewhere: relative to the bin folder, or absolute.
	Command string `yaml:"command"`
	// Image is the container image the containers stack runs for the role.
	Image string `yaml:"image"`
	// Listen says how the program is told where to serve HTTP.
	Listen Listen `yaml:"listen"`
	// Brokers is the environment variable that receives the brokers (default KAFKA_BROKERS).
	Brokers string `yaml:"brokers"`
	// SettingsNative says the program reads every contract setting under its own name.
	SettingsNative bool `yaml:"settings_native"`
	// Settings maps a contract setting (an environment variable or a flag as the
	// reference spells it) to the program's own: an environment variable (upper case) or a
	// flag (starting with "-"). A setting absent here is one the program does not have.
	Settings map[string]string `yaml:"settings"`
	// Env is set for every start; "${REDIS_URL}" is replaced by the scenario's Redis.
	Env map[string]string `yaml:"env"`
	// Needs lists the extra services the program needs ("redis").
	Needs []string `yaml:"needs"`
	// KafkaClientID is the client id the program sends to Kafka, by which the harness's
	// proxy tells its requests from others'.
	KafkaClientID string `yaml:"kafka_client_id"`
	// Ready is the HTTP path that answers 200 once the program is ready ("/readyz").
	Ready string `yaml:"ready"`
	// Live is the HTTP path that answers 200 while the program serves ("/healthz").
	Live string `yaml:"live"`
	// Ignored lists contract settings the program does not have but whose absence a
	// scenario tolerates (they only tune its pace), each with the reason; the scenario
	// runs without them. A key "NAME=value" ignores that value only. A setting neither
	// mapped nor ignored skips the scenario.
	Ignored map[string]string `yaml:"ignored"`
	// Lacks lists the role's missing capabilities and settings, each with the reason.
	Lacks map[string]string `yaml:"lacks"`
}

// Listen says how a program is told its HTTP address.
type Listen struct {
	// Env is the variable; empty when the program serves nothing.
	Env string `yaml:"env"`
	// Form is "addr" (host:port) or "port" (a port number; the program picks the host).
	Form string `yaml:"form"`
	// Host, with form port, is the variable that takes the host to serve on (loopback on
	// the host stacks, every interface in a container).
	Host string `yaml:"host"`
}

// Metric is the implementation's name for a contract metric, or why it has none.
type Metric struct {
	// Name is the implementation's family name.
	Name string `yaml:"name"`
	// Labels maps a contract label to the implementation's.
	Labels map[string]string `yaml:"labels"`
	// Select keeps only the implementation's series with these label values (and drops
	// those labels): websocket_kafka_messages_total{status="success"} is the contract's
	// received count.
	Select map[string]string `yaml:"select"`
	// Role, when set, is the only role that exposes this mapping (websocket_server's
	// sequence counters are not the exporter's).
	Role Role `yaml:"role"`
	// Missing, when set, says why the implementation has no such metric.
	Missing string `yaml:"missing"`
}

// Metrics is one mapping or a list of alternatives.
type Metrics []Metric

// UnmarshalYAML accepts a single mapping as well as a list.
func (m *Metrics) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var list []Metric
		if err := n.Decode(&list); err != nil {
			return err
		}
		*m = list
		return nil
	}
	var one Metric
	if err := n.Decode(&one); err != nil {
		return err
	}
	*m = Metrics{one}
	return nil
}

// Health says how the WebSocket server's /health is read.
type Health struct {
	// Path is the endpoint ("/health").
	Path string `yaml:"path"`
	// Statuses maps a contract status (healthy, degraded, reconnecting, waiting,
	// unhealthy) to the values the implementation reports for it.
	Statuses map[string][]string `yaml:"statuses"`
	// Fields maps a contract field (a dotted JSON path as the reference spells it) to
	// the implementation's path. Absent: the implementation has no such field.
	Fields map[string]string `yaml:"fields"`
	// FieldsNative says the implementation's JSON uses the contract's paths.
	FieldsNative bool `yaml:"fields_native"`
}

// WebSocket says how a client connects and picks a tenant.
type WebSocket struct {
	// Path is the upgrade endpoint ("/ws").
	Path string `yaml:"path"`
	// TenantQuery is the query parameter that picks the client's tenant; empty when a
	// client cannot pick one (then it gets every tenant's frames).
	TenantQuery string `yaml:"tenant_query"`
	// Frames is what a record becomes: "json" (one text frame with the header's fields,
	// the record's topic, partition and offset: the reference's) or "cursor+value" (a
	// text frame {"type":"cursor","partition":p,"offset":"o"}, then the Kafka value as
	// a binary frame, which the harness decodes itself).
	Frames string `yaml:"frames"`
}

// Frame formats of WebSocket.Frames.
const (
	FramesJSON        = "json"
	FramesCursorValue = "cursor+value"
)

// DLQ names the headers of a dead-lettered record.
type DLQ struct {
	// Headers maps a contract header (reason, error, source_topic, source_partition,
	// source_offset) to the implementation's header name.
	Headers map[string]string `yaml:"headers"`
}

// Limits are bounds the implementation documents.
type Limits struct {
	// MaxIDBytes is where a tenant or thread id is cut, with CutMarker appended.
	MaxIDBytes int    `yaml:"max_id_bytes"`
	CutMarker  string `yaml:"cut_marker"`
}

// Default is the profile a run uses unless told otherwise.
const Default = "reference"

// Load reads a profile: a name (fixtures/sut/<name>.yml under root) or a path to a file.
func Load(root, nameOrPath string) (*Profile, error) {
	if nameOrPath == "" {
		nameOrPath = Default
	}
	path := nameOrPath
	if !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".yml") {
		path = filepath.Join(root, "fixtures", "sut", nameOrPath+".yml")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("SUT %q: no profile at %s: give a name from %s (%s) or a path to a profile",
				nameOrPath, path, filepath.Join(root, "fixtures", "sut"), strings.Join(Available(root), ", "))
		}
		return nil, fmt.Errorf("SUT %q: %w", nameOrPath, err)
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("SUT profile %s: %w", path, err)
	}
	p.file = path
	return p, nil
}

// Available lists the profiles kept in the repository.
func Available(root string) []string {
	m, _ := filepath.Glob(filepath.Join(root, "fixtures", "sut", "*.yml"))
	var out []string
	for _, f := range m {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".yml"))
	}
	sort.Strings(out)
	return out
}

// Parse decodes and checks a profile; unknown keys are errors, so a misspelt setting
// is found when the profile loads, not as a mysterious skip.
func Parse(data []byte) (*Profile, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

func (p *Profile) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Name == "" {
		bad("name is empty: give the implementation a name")
	}
	if len(p.Roles) == 0 {
		bad("roles is empty: a profile provides at least one role")
	}
	for role, r := range p.Roles {
		if !slices.Contains(Roles(), role) {
			bad("role %q: use one of %v", role, Roles())
			continue
		}
		if r == nil {
			bad("role %s: empty: give reference, command or image", role)
			continue
		}
		if r.Reference == "" && r.Command == "" && r.Image == "" {
			bad("role %s: give reference (a program of this repository), command or image", role)
		}
		if r.Reference != "" && r.Command != "" {
			bad("role %s: reference and command both set: keep one", role)
		}
		switch r.Listen.Form {
		case "", "addr", "port":
		default:
			bad("role %s: listen.form %q: use addr (host:port) or port", role, r.Listen.Form)
		}
		if r.Listen.Host != "" && r.Listen.Form != "port" {
			bad("role %s: listen.host %q needs form port (with form addr the host is part of %s)", role, r.Listen.Host, r.Listen.Env)
		}
		if r.Listen.Form != "" && r.Listen.Env == "" {
			bad("role %s: listen.form without listen.env", role)
		}
		for k, v := range r.Settings {
			if !isSettingName(k) || !isSettingName(v) {
				bad("role %s: setting %s: %s: both sides are an environment variable (UPPER_CASE) or a flag (-name)", role, k, v)
			}
		}
		for _, n := range r.Needs {
			if n != "redis" {
				bad("role %s: needs %q: the harness can start redis", role, n)
			}
		}
	}
	switch p.WebSocket.Frames {
	case "", FramesJSON, FramesCursorValue:
	default:
		bad("websocket.frames %q: use %s or %s", p.WebSocket.Frames, FramesJSON, FramesCursorValue)
	}
	for k, ms := range p.Metrics {
		if len(ms) == 0 {
			bad("metric %s: empty: give name or missing", k)
		}
		for _, m := range ms {
			if m.Role != "" && !slices.Contains(Roles(), m.Role) {
				bad("metric %s: role %q: use one of %v", k, m.Role, Roles())
			}
			if (m.Name == "") == (m.Missing == "") {
				bad("metric %s: give name (the implementation's) or missing (why it has none), exactly one", k)
			}
		}
	}
	for k, vs := range p.Health.Statuses {
		if !slices.Contains(healthStatuses, k) {
			bad("health.statuses: %q: use one of %v", k, healthStatuses)
		}
		if len(vs) == 0 {
			bad("health.statuses.%s: no values", k)
		}
	}
	for k, v := range p.Lacks {
		if v == "" {
			bad("lacks.%s: say why", k)
		}
	}
	return errors.Join(errs...)
}

var healthStatuses = []string{"healthy", "degraded", "reconnecting", "waiting", "unhealthy"}

func isSettingName(s string) bool {
	if strings.HasPrefix(s, "-") {
		return len(s) > 1
	}
	return s != "" && strings.ToUpper(s) == s && !strings.ContainsAny(s, " =")
}

// File is where the profile was read from.
func (p *Profile) File() string { return p.file }

// Role returns the spec of a role, or a *Missing naming it when the implementation does
// not provide it.
func (p *Profile) Role(r Role) (*RoleSpec, error) {
	if s, ok := p.Roles[r]; ok {
		return s, nil
	}
	return nil, &Missing{Profile: p.Name, Capability: "role " + string(r), Reason: p.lackReason(string(r), "the profile gives no program for it")}
}

func (p *Profile) lackReason(key, def string) string {
	if r, ok := p.Lacks[key]; ok {
		return r
	}
	return def
}

// ReadyPath is the path that answers 200 once role is ready ("/readyz" unless the
// profile says otherwise).
func (p *Profile) ReadyPath(role Role) string {
	if r, ok := p.Roles[role]; ok && r != nil && r.Ready != "" {
		return r.Ready
	}
	return "/readyz"
}

// Need returns a *Missing when the implementation lacks a capability (a key of lacks,
// globally or for the role; role "" looks only globally) or does not provide the role.
func (p *Profile) Need(role Role, capability string) error {
	if _, err := p.Role(role); role != "" && err != nil {
		return err
	}
	if reason, ok := p.Lacks[capability]; ok {
		return &Missing{Profile: p.Name, Capability: capability, Reason: reason}
	}
	if s, ok := p.Roles[role]; ok && s != nil {
		if reason, ok := s.Lacks[capability]; ok {
			return &Missing{Profile: p.Name, Capability: string(role) + " " + capability, Reason: reason}
		}
	}
	return nil
}

// Metric returns the implementation's first mapping of a contract metric, or a
// *Missing when it has none.
func (p *Profile) Metric(contract string) (Metric, error) {
	if ms, ok := p.Metrics[contract]; ok {
		var why []string
		for _, m := range ms {
			if m.Missing == "" {
				return m, nil
			}
			why = append(why, m.Missing)
		}
		return Metric{}, &Missing{Profile: p.Name, Capability: "metric " + contract, Reason: strings.Join(why, "; ")}
	}
	if p.MetricsNative {
		return Metric{Name: contract}, nil
	}
	return Metric{}, &Missing{Profile: p.Name, Capability: "metric " + contract, Reason: "the profile maps no metric of the implementation to it"}
}

// MetricOf returns the mapping of a contract metric that role exposes, or a *Missing.
func (p *Profile) MetricOf(role Role, contract string) (Metric, error) {
	if _, err := p.Metric(contract); err != nil {
		return Metric{}, err
	}
	if p.MetricsNative {
		if _, mapped := p.Metrics[contract]; !mapped {
			return Metric{Name: contract}, nil
		}
	}
	for _, m := range p.Metrics[contract] {
		if m.Missing == "" && (m.Role == "" || m.Role == role) {
			return m, nil
		}
	}
	return Metric{}, &Missing{Profile: p.Name, Capability: fmt.Sprintf("metric %s of the %s", contract, role),
		Reason: "only another of its programs exposes it"}
}

// LivePath is the path that answers 200 while role's program serves HTTP ("/healthz"
// unless the profile says otherwise).
func (p *Profile) LivePath(role Role) string {
	if r, ok := p.Roles[role]; ok && r != nil && r.Live != "" {
		return r.Live
	}
	return "/healthz"
}

// HealthStatus maps a status the implementation reported to the contract's ("" when
// the profile does not know it: the caller shows the raw value).
func (p *Profile) HealthStatus(raw string) string {
	for c, vs := range p.Health.Statuses {
		if slices.Contains(vs, raw) {
			return c
		}
	}
	if len(p.Health.Statuses) == 0 {
		return raw
	}
	return ""
}

// HealthField returns the implementation's JSON path for a contract health field, or
// a *Missing.
func (p *Profile) HealthField(contract string) (string, error) {
	if f, ok := p.Health.Fields[contract]; ok && f != "" {
		return f, nil
	}
	if p.Health.FieldsNative {
		return contract, nil
	}
	return "", &Missing{Profile: p.Name, Capability: "health field " + contract, Reason: "its /health has no such field"}
}

// DLQHeader returns the implementation's name of a contract DLQ header, or a *Missing.
func (p *Profile) DLQHeader(contract string) (string, error) {
	if h, ok := p.DLQ.Headers[contract]; ok && h != "" {
		return h, nil
	}
	return "", &Missing{Profile: p.Name, Capability: "DLQ header " + contract, Reason: "its dead-lettered records carry no such header"}
}

// Missing says that the implementation under test lacks something a scenario needs.
type Missing struct {
	Profile    string // the implementation
	Capability string // what is missing ("role consumer", "metric x", "setting Y of the exporter")
	Reason     string // why, from the profile
}

func (m *Missing) Error() string {
	return fmt.Sprintf("%s lacks %s: %s", m.Profile, m.Capability, m.Reason)
}

// IsMissing reports whether err says the implementation lacks something.
func IsMissing(err error) bool {
	var m *Missing
	return errors.As(err, &m)
}

// VersionOf returns the implementation's version: the first line of its version file
// (relative to binDir), or repository (this repository's version) for the reference.
func (p *Profile) VersionOf(binDir, repository string) (string, error) {
	switch {
	case p.Version.Repository:
		if repository == "" {
			return "this repository (version unknown)", nil
		}
		return repository, nil
	case p.Version.File != "":
		path := p.Version.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(binDir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s's version: %w (build it first: see the profile's description)", p.Name, err)
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		return line, nil
	default:
		return "unknown (the profile says no version source)", nil
	}
}

// KafkaClientID returns the client id a role sends to Kafka, or a *Missing when the
// profile does not name one.
func (p *Profile) KafkaClientID(role Role) (string, error) {
	r, err := p.Role(role)
	if err != nil {
		return "", err
	}
	if r.KafkaClientID == "" {
		return "", &Missing{Profile: p.Name, Capability: string(role) + " Kafka client id",
			Reason: "the profile does not say which client id it sends, so its requests cannot be told from others' at the proxy"}
	}
	return r.KafkaClientID, nil
}
