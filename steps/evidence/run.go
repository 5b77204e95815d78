package evidence

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"time"
)

// Run is one execution of the acceptance suite. Create it with NewRun; its fields are
// plain data so a Run read back from evidence.json is a complete Run too.
type Run struct {
	mu sync.Mutex

	ID       string            `json:"id"`
	Stack    string            `json:"stack"`
	Seed     int64             `json:"seed"`
	Tags     string            `json:"tags,omitempty"`
	Started  time.Time         `json:"started"`
	Ended    time.Time         `json:"ended,omitzero"`
	Versions map[string]string `json:"versions,omitempty"`
	// SUT is the implementation under test and the profile it ran through.
	SUT *SUT `json:"sut,omitempty"`
	// Profile is the release profile the run is judged with: the capabilities it accepts
	// not to cover. Nil accepts nothing: every skip makes the run INCOMPLETE.
	Profile *ReleaseProfile `json:"release_profile,omitempty"`
	// Deviations are where the features keep a rule other than the incident document's
	// (paragraphs starting with DeviationPrefix in their descriptions), set by Reconcile.
	Deviations []Deviation `json:"deviations,omitempty"`
	Scenarios  []*Scenario `json:"scenarios"`

	cfg config
}

// Opt configures a Run and the Recorders it starts.
type Opt interface{ apply(*config) }

type config struct {
	clock    func() time.Time
	id       string
	tags     string
	versions map[string]string
	logLimit int
}

type optFunc func(*config)

func (f optFunc) apply(c *config) { f(c) }

// Clock sets the time source (default time.Now); tests use it for fixed timestamps.
// Whatever it returns is converted to UTC and truncated to the millisecond.
func Clock(now func() time.Time) Opt { return optFunc(func(c *config) { c.clock = now }) }

// RunID sets the run's ID (default UTC start time plus 6 random hex digits, like
// "20260514T120000Z-1a2b3c"). The report uses it as a directory name: keep it to
// letters, digits, '-', '_' and '.'.
func RunID(id string) Opt { return optFunc(func(c *config) { c.id = id }) }

// Tags records the tag expression the run was filtered with.
func Tags(expr string) Opt { return optFunc(func(c *config) { c.tags = expr }) }

// Version records the version of a component (kafka, prometheus, alertmanager, harness).
// The Go version is always recorded as "go".
func Version(component, version string) Opt {
	return optFunc(func(c *config) {
		if c.versions == nil {
			c.versions = map[string]string{}
		}
		c.versions[component] = version
	})
}

// LogLimit caps each log excerpt kept by Recorder.Log to its last n bytes (default 16 KiB;
// n <= 0 keeps everything).
func LogLimit(n int) Opt { return optFunc(func(c *config) { c.logLimit = n }) }

// DefaultLogLimit is the default for LogLimit.
const DefaultLogLimit = 16 << 10

// ReleaseProfile names what a run accepts not to cover on its stack: each capability the
// stack lacks, with why that is acceptable for a release. A scenario skipped only for
// capabilities listed here is a declared skip; any other skip makes the run INCOMPLETE.
type ReleaseProfile struct {
	// Name identifies the profile (its file, relative to the repository).
	Name string `json:"name"`
	// Accepts lists the capabilities the run may lack.
	Accepts []Accepted `json:"accepts"`
}

// Accepted is one capability a release profile accepts not to cover, and why.
type Accepted struct {
	Capability string `json:"capability" yaml:"capability"`
	Why        string `json:"why" yaml:"why"`
}

// SetProfile sets the release profile the run is judged with.
func (r *Run) SetProfile(p ReleaseProfile) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Profile = &p
}

// acceptedCaps maps each capability the profile accepts to its why.
func (r *Run) acceptedCaps() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	if r.Profile != nil {
		for _, a := range r.Profile.Accepts {
			out[a.Capability] = a.Why
		}
	}
	return out
}

// NewRun starts a run on the named stack with the suite's random seed.
func NewRun(stack string, seed int64, opts ...Opt) *Run {
	cfg := config{clock: time.Now, logLimit: DefaultLogLimit}
	for _, o := range opts {
		o.apply(&cfg)
	}
	r := &Run{Stack: stack, Seed: seed, Tags: cfg.tags, cfg: cfg, Versions: map[string]string{}}
	r.Started = r.now()
	r.ID = cfg.id
	if r.ID == "" {
		r.ID = r.Started.Format("20060102T150405Z") + "-" + randomHex(3)
	}
	r.Versions["go"] = runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				r.Versions["harness"] = s.Value
			}
		}
	}
	for k, v := range cfg.versions {
		r.Versions[k] = v
	}
	return r
}

func (r *Run) now() time.Time {
	clock := r.cfg.clock
	if clock == nil {
		clock = time.Now
	}
	return Stamp(clock())
}

// Stamp normalises t the way every timestamp in this package is stored: UTC, truncated
// to the millisecond, without a monotonic reading.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// SUT names the implementation under test: its name, version, and the profile file
// that said how to start and observe it.
type SUT struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Profile     string `json:"profile"`
	Description string `json:"description,omitempty"`
}

// SetSUT records the implementation under test.
func (r *Run) SetSUT(s SUT) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.SUT = &s
}

// SUTLine is the implementation under test as one line for a report ("-" if unknown).
func (r *Run) SUTLine() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.SUT == nil {
		return "-"
	}
	return fmt.Sprintf("%s %s (profile %s)", r.SUT.Name, r.SUT.Version, r.SUT.Profile)
}

// SetVersion records the version of a component once it is known (after the stack is up).
func (r *Run) SetVersion(component, version string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Versions == nil {
		r.Versions = map[string]string{}
	}
	r.Versions[component] = version
}

// Start registers a scenario on the run, stamps its start time and returns its recorder.
func (r *Run) Start(m Meta) *Recorder {
	sc := &Scenario{
		ID: m.ID, Name: m.Name, Feature: m.Feature, URI: m.URI, Line: m.Line,
		Tags: append([]string(nil), m.Tags...), Started: r.now(),
	}
	r.mu.Lock()
	r.Scenarios = append(r.Scenarios, sc)
	r.mu.Unlock()
	return &Recorder{sc: sc, run: r}
}

// Finish stamps the run's end. A scenario that never ended (the suite was interrupted)
// gets its end stamped, its open spans and expectations closed, and an error saying so;
// its status stays empty, which fails the gate. Finish is safe to call twice.
func (r *Run) Finish() {
	r.mu.Lock()
	scs := append([]*Scenario(nil), r.Scenarios...)
	r.mu.Unlock()
	for _, sc := range scs {
		(&Recorder{sc: sc, run: r}).abandon()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Ended.IsZero() {
		r.Ended = r.now()
	}
}

// Snapshot returns a deep copy of the run, its scenarios sorted by URI, line and name, so
// reports are stable whatever order the scenarios ran in. Safe while recording goes on.
func (r *Run) Snapshot() *Run {
	r.mu.Lock()
	c := &Run{
		ID: r.ID, Stack: r.Stack, Seed: r.Seed, Tags: r.Tags, Started: r.Started, Ended: r.Ended,
		Versions: make(map[string]string, len(r.Versions)), cfg: r.cfg,
	}
	for k, v := range r.Versions {
		c.Versions[k] = v
	}
	c.Deviations = append([]Deviation(nil), r.Deviations...)
	if r.SUT != nil {
		s := *r.SUT
		c.SUT = &s
	}
	if r.Profile != nil {
		p := ReleaseProfile{Name: r.Profile.Name, Accepts: append([]Accepted(nil), r.Profile.Accepts...)}
		c.Profile = &p
	}
	scs := append([]*Scenario(nil), r.Scenarios...)
	r.mu.Unlock()
	for _, sc := range scs {
		sc.mu.Lock()
		c.Scenarios = append(c.Scenarios, sc.copy())
		sc.mu.Unlock()
	}
	sort.SliceStable(c.Scenarios, func(i, j int) bool {
		a, b := c.Scenarios[i], c.Scenarios[j]
		if a.URI != b.URI {
			return a.URI < b.URI
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Name < b.Name
	})
	return c
}
