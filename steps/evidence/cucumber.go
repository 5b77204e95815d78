package evidence

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// cucumber JSON as godog's "cucumber" formatter writes it (only the fields used here).
type cukeFeature struct {
	URI         string        `json:"uri"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Tags        []cukeTag     `json:"tags"`
	Elements    []cukeElement `json:"elements"`
}

type cukeTag struct {
	Name string `json:"name"`
}

type cukeElement struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int        `json:"line"`
	Type        string     `json:"type"`
	Tags        []cukeTag  `json:"tags"`
	Steps       []cukeStep `json:"steps"`
}

type cukeStep struct {
	Keyword string `json:"keyword"`
	Name    string `json:"name"`
	Result  struct {
		Status string `json:"status"`
		Error  string `json:"error_message"`
	} `json:"result"`
}

// severity orders statuses for merging: the worse one wins.
var severity = map[string]int{
	"": 0, StatusPassed: 1, StatusSkipped: 2, StatusPending: 3,
	StatusUndefined: 4, StatusAmbiguous: 5, StatusFailed: 6,
}

func worse(a, b string) string {
	sa, oka := severity[a]
	sb, okb := severity[b]
	if !oka { // an unknown status is kept: it fails the gate and shows as is
		return a
	}
	if !okb {
		return b
	}
	if sb > sa {
		return b
	}
	return a
}

// Reconcile merges the scenario results of godog's cucumber JSON into the run: godog is
// the authority on step results, the recorder on evidence. Each cucumber scenario is
// matched to a recorded one by URI, name and line (an outline's example by its row's line);
// by URI and name alone only where either side does not know the line.
// A match gets the worse of the two statuses, an error or skip reason when it has none,
// and its feature name, line and tags when unset. A cucumber scenario with no recorded
// counterpart (its hooks never ran) is added without evidence. Safe to call twice.
func (r *Run) Reconcile(cucumberJSON []byte) error {
	var feats []cukeFeature
	if err := json.Unmarshal(cucumberJSON, &feats); err != nil {
		return fmt.Errorf("reconcile: cucumber json is not godog's cucumber format (a list of features): %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Deviations = deviations(feats)
	used := map[*Scenario]bool{}
	for _, f := range feats {
		for _, el := range f.Elements {
			if el.Type != "" && el.Type != "scenario" {
				continue // backgrounds in other cucumber implementations
			}
			status, msg := elementResult(el)
			sc := r.match(f.URI, el, used)
			if sc == nil {
				sc = &Scenario{ID: f.URI + ":" + strconv.Itoa(el.Line), Name: el.Name, URI: f.URI}
				sc.Error = "no evidence recorded: the scenario's hooks did not run"
				r.Scenarios = append(r.Scenarios, sc)
			}
			used[sc] = true
			sc.mu.Lock()
			merge(sc, f, el, status, msg)
			sc.mu.Unlock()
		}
	}
	return nil
}

// match finds the recorded scenario for a cucumber element; the caller holds r.mu.
func (r *Run) match(uri string, el cukeElement, used map[*Scenario]bool) *Scenario {
	var byName *Scenario
	for _, sc := range r.Scenarios {
		if used[sc] || sc.URI != uri || sc.Name != el.Name {
			continue
		}
		if sc.Line != 0 && el.Line != 0 {
			if sc.Line == el.Line { // an outline's examples differ by line, not always by name
				return sc
			}
			continue
		}
		if byName == nil {
			byName = sc
		}
	}
	return byName
}

func merge(sc *Scenario, f cukeFeature, el cukeElement, status, msg string) {
	if sc.Feature == "" {
		sc.Feature = f.Name
	}
	if sc.Line == 0 {
		sc.Line = el.Line
	}
	if len(sc.Tags) == 0 {
		for _, t := range append(append([]cukeTag(nil), f.Tags...), el.Tags...) {
			sc.Tags = append(sc.Tags, t.Name)
		}
	}
	sc.Status = worse(sc.Status, status)
	switch {
	case msg == "":
	case sc.Status == StatusSkipped && sc.SkipReason == "":
		sc.SkipReason = msg
	case sc.Status != StatusPassed && sc.Status != StatusSkipped:
		sc.Error = joinErrors(msg, sc.Error)
	}
}

// joinErrors puts godog's message (it names the step) before the recorder's error,
// without repeating one that contains the other.
func joinErrors(godog, recorded string) string {
	switch {
	case recorded == "" || strings.Contains(godog, recorded):
		return godog
	case strings.Contains(recorded, godog):
		return recorded
	}
	return godog + "\n" + recorded
}

// CucumberResult is one scenario of godog's cucumber JSON: its status (the worst of its
// steps) and the step that decided it.
type CucumberResult struct {
	Feature   string
	URI, Name string
	Line      int
	Status    string
	// Step is the deciding step's text without its keyword ("" when every step passed),
	// Keyword its keyword ("Then"); Error is that step's error message.
	Step, Keyword, Error string
}

// ParseCucumber reads godog's cucumber JSON into one result per scenario, in file order.
func ParseCucumber(cucumberJSON []byte) ([]CucumberResult, error) {
	var feats []cukeFeature
	if err := json.Unmarshal(cucumberJSON, &feats); err != nil {
		return nil, fmt.Errorf("parse cucumber json: not godog's cucumber format (a list of features): %w", err)
	}
	var out []CucumberResult
	for _, f := range feats {
		for _, el := range f.Elements {
			if el.Type != "" && el.Type != "scenario" {
				continue
			}
			status, _, st := decide(el)
			r := CucumberResult{Feature: f.Name, URI: f.URI, Name: el.Name, Line: el.Line, Status: status}
			if st != nil {
				r.Step, r.Keyword, r.Error = st.Name, strings.TrimSpace(st.Keyword), st.Result.Error
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// elementResult derives a scenario's status from its steps (the worst step status) and
// a message naming the step that decided it.
func elementResult(el cukeElement) (status, msg string) {
	status, msg, _ = decide(el)
	return status, msg
}

// decide is elementResult that also returns the deciding step (nil when all passed).
func decide(el cukeElement) (status, msg string, decider *cukeStep) {
	status = StatusPassed
	for i := range el.Steps {
		st := &el.Steps[i]
		if w := worse(status, st.Result.Status); w != status {
			status, decider = w, st
		} else if decider != nil && st.Result.Status == status && decider.Result.Error == "" && st.Result.Error != "" {
			decider = st // a skipped step with a reason beats one without
		}
	}
	if decider == nil {
		return status, "", nil
	}
	step := strings.TrimSpace(decider.Keyword) + " " + decider.Name
	switch {
	case decider.Result.Error != "":
		return status, fmt.Sprintf("step %q: %s", step, decider.Result.Error), decider
	case status == StatusSkipped:
		return status, fmt.Sprintf("step %q was skipped", step), decider
	default:
		return status, fmt.Sprintf("step %q is %s", step, status), decider
	}
}

// DeviationPrefix starts a paragraph of a feature's or scenario's description that says
// where the harness keeps a rule other than the incident document's, and why.
const DeviationPrefix = "Deviation:"

// Deviation is one such paragraph: the report lists them all.
type Deviation struct {
	Feature  string `json:"feature"`
	Scenario string `json:"scenario,omitempty"` // empty for a feature-wide deviation
	URI      string `json:"uri"`
	Text     string `json:"text"`
}

// deviations collects the Deviation paragraphs of the features' and scenarios'
// descriptions, once each (an outline's examples share their description).
func deviations(feats []cukeFeature) []Deviation {
	var out []Deviation
	seen := map[string]bool{}
	add := func(f cukeFeature, scenario, desc string) {
		for _, para := range paragraphs(desc) {
			if !strings.HasPrefix(para, DeviationPrefix) {
				continue
			}
			text := strings.TrimSpace(strings.TrimPrefix(para, DeviationPrefix))
			if key := f.URI + "\x00" + text; !seen[key] {
				seen[key] = true
				out = append(out, Deviation{Feature: f.Name, Scenario: scenario, URI: f.URI, Text: text})
			}
		}
	}
	for _, f := range feats {
		add(f, "", f.Description)
		for _, el := range f.Elements {
			add(f, el.Name, el.Description)
		}
	}
	return out
}

// paragraphs splits a description at blank lines and joins each paragraph's lines.
func paragraphs(desc string) []string {
	var out, cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(desc, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}
