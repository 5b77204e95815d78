package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// SchemaVersion is the version of the JSON report; it changes when a field changes meaning.
const SchemaVersion = 1

// Figure is one measured quantity: the median of its samples, their maximum, and the
// samples themselves, all in Unit.
type Figure struct {
	// Name identifies the figure ("producer.reference.records_per_s").
	Name string `json:"name"`
	// Unit of Median, Max and Samples ("records/s", "s", "ns/op", "x").
	Unit string `json:"unit"`
	// Median and Max of Samples.
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
	// Samples are the individual measurements, in the order they were taken.
	Samples []float64 `json:"samples"`
	// Note says how the figure was measured, in a few words.
	Note string `json:"note,omitempty"`
}

// NewFigure returns a Figure with Median and Max computed from samples.
func NewFigure(name, unit, note string, samples ...float64) Figure {
	return Figure{Name: name, Unit: unit, Median: Median(samples), Max: Max(samples), Samples: samples, Note: note}
}

// Stat selects which statistic of a figure a Goal judges.
type Stat string

// The statistics a Goal can judge.
const (
	StatMedian Stat = "median"
	StatMax    Stat = "max"
)

// Goal is a target for one figure: the figure's statistic compared with Target.
type Goal struct {
	// Name is what the goal is about ("producer ≥ 1.2× kcat").
	Name string `json:"name"`
	// Figure names the Figure judged; Stat which of its statistics.
	Figure string `json:"figure"`
	Stat   Stat   `json:"stat"`
	// AtLeast is true for "value ≥ Target", false for "value ≤ Target".
	AtLeast bool    `json:"at_least"`
	Target  float64 `json:"target"`
	// Value is the judged statistic; Met whether it reaches Target. Both are filled by
	// Report.Judge.
	Value float64 `json:"value"`
	Met   bool    `json:"met"`
	// Missing is true when the figure was not measured (not part of this run, or failed).
	Missing bool `json:"missing,omitempty"`
}

// Verdict is "met", "SHORT", or "not measured".
func (g Goal) Verdict() string {
	switch {
	case g.Missing:
		return "not measured"
	case g.Met:
		return "met"
	default:
		return "SHORT"
	}
}

// Machine describes where a run happened, so runs can be compared.
type Machine struct {
	CPU         string `json:"cpu"`
	Cores       int    `json:"cores"`
	MemoryBytes uint64 `json:"memory_bytes"`
	GoVersion   string `json:"go_version"`
	Kernel      string `json:"kernel"`
	OSArch      string `json:"os_arch"`
	// LoadStart and LoadEnd are /proc/loadavg at the start and end of the run; Busy and
	// BusyEnd name the other processes using the most CPU during one second at the start
	// and at the end (Busiest): the machine may be shared.
	LoadStart string   `json:"load_start"`
	LoadEnd   string   `json:"load_end"`
	Busy      []string `json:"busy,omitempty"`
	BusyEnd   []string `json:"busy_end,omitempty"`
}

// Report is the whole result of one run of dsbench, written as JSON.
type Report struct {
	Schema   int       `json:"schema"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Machine  Machine   `json:"machine"`
	// Versions names every component measured: kafka (local stack), kfake (embedded),
	// kcat, librdkafka, prometheus, alertmanager, franz-go.
	Versions map[string]string `json:"versions"`
	// Commit is the harness's git commit; Dirty whether its work tree had changes.
	Commit string `json:"commit"`
	Dirty  bool   `json:"dirty"`
	// Params are the flags of the run (records, runs, reps, value size, ...).
	Params map[string]any `json:"params"`
	// Settings say how each comparison was made fair (acks, compression, batching).
	Settings map[string]string `json:"settings"`
	Figures  []Figure          `json:"figures"`
	Goals    []Goal            `json:"goals"`
	// Failures lists measurements that failed; the run exits non-zero when it is not empty.
	Failures []string `json:"failures,omitempty"`
	// Profiles hold the top of the CPU profile ("producer", "consumer") of a reference
	// client that fell short of its goal, by client.
	Profiles map[string]string `json:"profiles,omitempty"`
}

// Figure returns the figure called name.
func (r *Report) Figure(name string) (Figure, bool) {
	for _, f := range r.Figures {
		if f.Name == name {
			return f, true
		}
	}
	return Figure{}, false
}

// Add appends figures to the report.
func (r *Report) Add(fs ...Figure) { r.Figures = append(r.Figures, fs...) }

// Fail records a failed measurement.
func (r *Report) Fail(what string, err error) {
	r.Failures = append(r.Failures, fmt.Sprintf("%s: %v", what, err))
}

// Judge fills Value, Met and Missing of every goal from the figures.
func (r *Report) Judge() {
	for i := range r.Goals {
		g := &r.Goals[i]
		f, ok := r.Figure(g.Figure)
		v := f.Median
		if g.Stat == StatMax {
			v = f.Max
		}
		if !ok || math.IsNaN(v) {
			g.Missing, g.Met, g.Value = true, false, 0
			continue
		}
		g.Value, g.Missing = v, false
		if g.AtLeast {
			g.Met = v >= g.Target
		} else {
			g.Met = v <= g.Target
		}
	}
}

// Write writes the report as indented JSON to dir/<UTC timestamp>.json and
// dir/latest.json, creating dir, and returns the timestamped path.
func (r *Report) Write(dir string) (string, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	data = append(data, '\n')
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	path := filepath.Join(dir, r.Started.UTC().Format("20060102T150405Z")+".json")
	for _, p := range []string{path, filepath.Join(dir, "latest.json")} {
		if err := writeFileAtomic(p, data); err != nil {
			return "", fmt.Errorf("write report: %w", err)
		}
	}
	return path, nil
}

// writeFileAtomic writes data to a temporary file next to path and renames it into place.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.json")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
