package steps

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/dashstream/acceptance/steps/evidence"
)

// loadedRule is one alerting rule as the running Prometheus reports it.
type loadedRule struct {
	Severity  string   `json:"severity"`
	Query     string   `json:"query"`
	For       float64  `json:"for_seconds"`
	Selectors []string `json:"selectors"`
	Threshold string   `json:"threshold"`
	Windows   []string `json:"windows"`
}

// loadedRules reads every alerting rule from the rules API of the scenario's Prometheus.
func (w *World) loadedRules(ctx context.Context) (map[string]loadedRule, error) {
	rules, err := w.mon.API().Rules(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("rules api: %w", err)
	}
	out := map[string]loadedRule{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if a, ok := r.(v1.AlertingRule); ok {
				out[a.Name] = loadedRule{Severity: string(a.Labels["severity"]), Query: a.Query, For: a.Duration,
					Selectors: selectors(a.Query), Threshold: threshold(a.Query), Windows: windows(a.Query)}
			}
		}
	}
	return out, nil
}

// loadedRule returns the alerting rule named alert as the scenario's Prometheus loaded it.
func (w *World) loadedRule(ctx context.Context, alert string) (loadedRule, error) {
	rules, err := w.loadedRules(ctx)
	if err != nil {
		return loadedRule{}, err
	}
	r, ok := rules[alert]
	if !ok {
		return loadedRule{}, fmt.Errorf("Prometheus has no alerting rule %q loaded", alert)
	}
	return r, nil
}

// alertsLoaded compares every alerting rule of the running Prometheus with the table's
// production values: severity, the series it measures, the threshold its expression
// ends with, the window of its range selectors ("-" for none) and its for:; window and
// for: must be the production ones through the stack's profile. Rules loaded but not in
// the table fail too.
func alertsLoaded(ctx context.Context, table *godog.Table) error {
	w := world(ctx)
	loaded, err := w.loadedRules(ctx)
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.Before, evidence.KindAlert, "alert rules loaded", loaded)
	head := cells(table, 0)
	want := []string{"alert", "severity", "measures", "threshold", "window", "for"}
	if !slices.Equal(head, want) {
		return fmt.Errorf("the table's columns are %v, expected %v", head, want)
	}
	var problems []string
	listed := map[string]bool{}
	for i := 1; i < len(table.Rows); i++ {
		c := cells(table, i)
		name := c[0]
		listed[name] = true
		got, ok := loaded[name]
		if !ok {
			problems = append(problems, name+" is not loaded")
			continue
		}
		problems = append(problems, w.compareRule(name, got, c[1:])...)
	}
	for name := range loaded {
		if !listed[name] {
			problems = append(problems, name+" is loaded but not in the table")
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("alert rules differ from production: %s", strings.Join(problems, "; "))
	}
	return nil
}

// compareRule lists how a loaded rule differs from its production values: the table's
// severity, measures, threshold, window and for cells.
func (w *World) compareRule(name string, got loadedRule, prod []string) []string {
	severity, measures, thresh, window, prodFor := prod[0], prod[1], prod[2], prod[3], prod[4]
	var problems []string
	if got.Severity != severity {
		problems = append(problems, fmt.Sprintf("%s has severity %q, expected %q", name, got.Severity, severity))
	}
	wantSel := strings.Split(measures, ", ")
	slices.Sort(wantSel)
	if !slices.Equal(got.Selectors, wantSel) {
		problems = append(problems, fmt.Sprintf("%s measures %v, expected %v (query %s)", name, got.Selectors, wantSel, got.Query))
	}
	if !sameThreshold(got.Threshold, thresh) {
		problems = append(problems, fmt.Sprintf("%s fires at %q, expected %q (query %s)", name, got.Threshold, thresh, got.Query))
	}
	prof := w.mon.RuleProfile()
	wantWin := []string{}
	if window != "-" {
		d, err := model.ParseDuration(window)
		if err != nil {
			return append(problems, fmt.Sprintf("%s: the table's window %q: %v", name, window, err))
		}
		wantWin = []string{model.Duration(prof.Duration(time.Duration(d), prof.MinWindow)).String()}
	}
	if !slices.Equal(got.Windows, wantWin) {
		problems = append(problems, fmt.Sprintf("%s looks back over %v, expected %v (production %s through the %s profile; query %s)",
			name, got.Windows, wantWin, window, prof.Name, got.Query))
	}
	d, err := model.ParseDuration(prodFor)
	if err != nil {
		return append(problems, fmt.Sprintf("%s: the table's for %q: %v", name, prodFor, err))
	}
	fast := prof.Duration(time.Duration(d), prof.MinFor)
	if gotFor := time.Duration(got.For * float64(time.Second)); gotFor != fast {
		problems = append(problems, fmt.Sprintf("%s has for: %s, expected %s (production %s through the %s profile)",
			name, gotFor, fast, prodFor, prof.Name))
	}
	return problems
}

// cells returns the trimmed values of row i of a table.
func cells(t *godog.Table, i int) []string {
	out := make([]string, len(t.Rows[i].Cells))
	for i, c := range t.Rows[i].Cells {
		out[i] = strings.TrimSpace(c.Value)
	}
	return out
}

var (
	// thresholdRE is the comparison a rule's expression ends with ("> 0.05", "== 0").
	thresholdRE = regexp.MustCompile(`(==|!=|>=|<=|>|<)\s*(?:bool\s+)?(-?[0-9][0-9.eE+-]*)\s*$`)
	// grouping, ranges and strings are not series; they are cut before selectors are read.
	groupingRE = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	rangesRE   = regexp.MustCompile(`\[[^\]]*\]`)
	selectorRE = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?`)
)

// promqlWords are the PromQL keywords that are not followed by a parenthesis.
var promqlWords = map[string]bool{"bool": true, "and": true, "or": true, "unless": true, "offset": true}

// windowRE is a range selector's duration ("[5s]"); subqueries are not used by the rules.
var windowRE = regexp.MustCompile(`\[\s*([0-9][0-9a-z]*)\s*\]`)

// windows returns the sorted, distinct range durations of a query's selectors.
func windows(q string) []string {
	out := []string{}
	for _, m := range windowRE.FindAllStringSubmatch(q, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// threshold returns the comparison a query ends with, "" when it ends with none.
func threshold(q string) string {
	m := thresholdRE.FindStringSubmatch(q)
	if m == nil {
		return ""
	}
	return m[1] + " " + m[2]
}

// sameThreshold compares two "op value" thresholds by operator and numeric value.
func sameThreshold(got, want string) bool {
	g, w := strings.Fields(got), strings.Fields(want)
	if len(g) != 2 || len(w) != 2 || g[0] != w[0] {
		return false
	}
	gv, err1 := strconv.ParseFloat(g[1], 64)
	wv, err2 := strconv.ParseFloat(w[1], 64)
	return err1 == nil && err2 == nil && gv == wv
}

// selectors returns the sorted, distinct series selectors of a query: metric names with
// their label matchers as Prometheus prints them (`x_total{reason="decompress"}`).
func selectors(q string) []string {
	q = rangesRE.ReplaceAllString(groupingRE.ReplaceAllString(q, " "), " ")
	var out []string
	for _, loc := range selectorRE.FindAllStringIndex(q, -1) {
		s := q[loc[0]:loc[1]]
		if rest := strings.TrimLeft(q[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") || promqlWords[s] {
			continue // a function or an aggregation, not a series
		}
		if loc[0] > 0 && strings.ContainsAny(q[loc[0]-1:loc[0]], "0123456789.") {
			continue // the exponent or unit of a number
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
