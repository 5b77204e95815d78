package soak

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/dashstream/acceptance/steps/evidence"
)

// ScenarioResult is one scenario of one suite run, as godog's cucumber JSON reports it.
type ScenarioResult struct {
	Feature string `json:"feature"`
	URI     string `json:"uri"`
	Name    string `json:"name"`
	Line    int    `json:"line"`
	// Status is the worst step status: passed, skipped, pending, undefined, ambiguous or
	// failed. A scenario without steps is passed.
	Status string `json:"status"`
	// Error is the first failing step's keyword, text and error message.
	Error string `json:"error,omitempty"`
	// Cause is what evidence.json recorded: the scenario's error and its unmet
	// expectations (filled by Causes).
	Cause string `json:"cause,omitempty"`
}

// Failed reports whether the status fails the release gate (anything but passed and
// skipped).
func (s ScenarioResult) Failed() bool { return s.Status != "passed" && s.Status != "skipped" }

// ParseCucumber reads godog's cucumber JSON (a list of features) into one result per
// scenario, with evidence.ParseCucumber (the one cucumber parser of the repository). An
// unknown step status is kept as is (it fails the scenario).
func ParseCucumber(data []byte) ([]ScenarioResult, error) {
	parsed, err := evidence.ParseCucumber(data)
	if err != nil {
		return nil, fmt.Errorf("cucumber: %w", err)
	}
	out := make([]ScenarioResult, 0, len(parsed))
	for _, p := range parsed {
		r := ScenarioResult{Feature: p.Feature, URI: p.URI, Name: p.Name, Line: p.Line, Status: p.Status}
		if p.Error != "" {
			r.Error = p.Keyword + " " + p.Step + ": " + p.Error
		}
		out = append(out, r)
	}
	return out, nil
}

// evidenceRun is the part of evidence.json (package steps/evidence) that explains a failure.
type evidenceRun struct {
	Scenarios []struct {
		Name         string `json:"name"`
		URI          string `json:"uri"`
		Line         int    `json:"line"`
		Status       string `json:"status"`
		Error        string `json:"error"`
		Expectations []struct {
			Name     string `json:"name"`
			Met      bool   `json:"met"`
			Observed string `json:"observed"`
		} `json:"expectations"`
	} `json:"scenarios"`
}

// Causes fills Cause of the failed results from an evidence.json file: the recorded
// error and every unmet expectation with what was observed. A missing or unreadable file
// leaves the results as they are.
func Causes(results []ScenarioResult, evidencePath string) {
	data, err := os.ReadFile(evidencePath)
	if err != nil {
		return
	}
	var run evidenceRun
	if json.Unmarshal(data, &run) != nil {
		return
	}
	for i := range results {
		r := &results[i]
		if !r.Failed() {
			continue
		}
		for _, s := range run.Scenarios {
			if s.Name != r.Name || (s.Line != 0 && r.Line != 0 && s.Line != r.Line) {
				continue
			}
			var parts []string
			if s.Error != "" {
				parts = append(parts, s.Error)
			}
			for _, e := range s.Expectations {
				if !e.Met {
					parts = append(parts, fmt.Sprintf("unmet: %s (observed: %s)", e.Name, e.Observed))
				}
			}
			r.Cause = strings.Join(parts, "; ")
			break
		}
	}
}
