package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dashstream/acceptance/steps/evidence"
)

// maxBody caps one evidence value or log excerpt shown in the page; evidence.json has it all.
const maxBody = 32 << 10

type kv struct{ K, V string }

type page struct {
	Verdict, Reasons string
	Pass             bool
	NotCovered       []evidence.Gap
	Profile          string
	Deviations       []evidence.Deviation
	Counts           evidence.Counts
	Meta, Versions   []kv
	Scenarios        []scView
	Files            []string
	Generated        string
}

type scView struct {
	Anchor, Name, Feature, Where, Status, Duration, Started, Error, SkipReason, Note string
	Tags                                                                             []string
	Ran                                                                              bool // passed, failed or no status: its timeline matters even when empty
	Timeline                                                                         svgTimeline
	Events                                                                           []eventRow
	Expectations                                                                     []expRow
	ExpectSummary                                                                    string
	Groups                                                                           []evGroup
	EvidenceCount                                                                    int
	Logs                                                                             []logView
}

type eventRow struct {
	N                                       int
	Offset, Clock, Kind, Name, Detail, Span string
}

type expRow struct {
	Met                                               bool
	Name, Within, Started, ObservedAt, Took, Observed string
}

type evGroup struct {
	Kind, Name, Delta     string
	Before, During, After []evItem
}

type evItem struct{ Clock, Offset, Body, Note string }

type logView struct {
	Service, Text string
	Lines         int
}

func buildPage(run *evidence.Run, files []string, now time.Time) page {
	p := page{Verdict: run.Verdict(), Pass: run.Passed(), Reasons: strings.Join(run.GateReasons(), ", "), Counts: run.Counts(),
		NotCovered: run.NotCovered(), Profile: profileName(run), Deviations: run.Deviations, Generated: stamp(now)}
	tags := run.Tags
	if tags == "" {
		tags = "all scenarios"
	}
	p.Meta = []kv{{"Run", run.ID}, {"Implementation under test", run.SUTLine()}, {"Stack", run.Stack}, {"Seed", fmt.Sprint(run.Seed)}, {"Tags", tags},
		{"Started", stamp(run.Started)}, {"Duration", runDuration(run)}}
	keys := make([]string, 0, len(run.Versions))
	for k := range run.Versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Versions = append(p.Versions, kv{k, run.Versions[k]})
	}
	for i, sc := range ordered(run) {
		p.Scenarios = append(p.Scenarios, buildScenario(i+1, sc))
	}
	p.Files = files
	return p
}

func buildScenario(n int, sc *evidence.Scenario) scView {
	t0, t1 := bounds(sc)
	v := scView{
		Anchor: fmt.Sprintf("s%d", n), Name: orDefault(sc.Name, sc.ID), Feature: sc.Feature, Where: strings.TrimSpace(where(sc)),
		Status: statusOf(sc.Status), Duration: dur(sc.Duration()), Started: stamp(sc.Started), Error: sc.Error,
		SkipReason: sc.SkipReason, Note: note(sc), Tags: sc.Tags, ExpectSummary: expectSummary(sc),
		EvidenceCount: len(sc.Evidence),
		Ran:           sc.Status == evidence.StatusPassed || sc.Status == evidence.StatusFailed || sc.Status == "",
	}
	if sc.Status == evidence.StatusSkipped && v.SkipReason == "" {
		v.SkipReason = "no reason given"
	}
	order := make([]int, len(sc.Timeline))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sc.Timeline[order[a]].At.Before(sc.Timeline[order[b]].At) })
	numbers := map[int]int{}
	for k, i := range order {
		ev := sc.Timeline[i]
		numbers[i] = k + 1
		v.Events = append(v.Events, eventRow{N: k + 1, Offset: offset(ev.At, t0), Clock: clock(ev.At), Kind: ev.Kind,
			Name: ev.Name, Detail: ev.Detail, Span: ev.Span})
	}
	v.Timeline = buildTimeline(sc, t0, t1, numbers)
	for _, e := range sc.Expectations {
		r := expRow{Met: e.Met, Name: e.Name, Within: e.Within.String(), Started: offset(e.Started, t0),
			Observed: e.Observed, ObservedAt: "not observed", Took: "—"}
		if !e.ObservedAt.IsZero() {
			r.ObservedAt = clock(e.ObservedAt) + " (" + offset(e.ObservedAt, t0) + ")"
			r.Took = dur(e.Took())
		}
		v.Expectations = append(v.Expectations, r)
	}
	v.Groups = groupEvidence(sc.Evidence, t0)
	services := make([]string, 0, len(sc.Logs))
	for s := range sc.Logs {
		services = append(services, s)
	}
	sort.Strings(services)
	for _, s := range services {
		text := sc.Logs[s]
		v.Logs = append(v.Logs, logView{Service: s, Text: clip(text), Lines: strings.Count(strings.TrimRight(text, "\n"), "\n") + 1})
	}
	return v
}

// bounds is the time window of a scenario's timeline: from its start (or first record)
// to its end (or last record).
func bounds(sc *evidence.Scenario) (t0, t1 time.Time) {
	var ts []time.Time
	ts = append(ts, sc.Started, sc.Ended)
	for _, ev := range sc.Timeline {
		ts = append(ts, ev.At)
	}
	for _, it := range sc.Evidence {
		ts = append(ts, it.At)
	}
	for _, e := range sc.Expectations {
		ts = append(ts, e.Started, e.ObservedAt)
	}
	for _, t := range ts {
		if t.IsZero() {
			continue
		}
		if t0.IsZero() || t.Before(t0) {
			t0 = t
		}
		if t1.IsZero() || t.After(t1) {
			t1 = t
		}
	}
	return t0, t1
}

// groupEvidence pairs items by kind and name, in order of first capture, so BEFORE and
// AFTER of the same measurement sit side by side.
func groupEvidence(items []evidence.Item, t0 time.Time) []evGroup {
	var groups []evGroup
	at := map[[2]string]int{}
	for _, it := range items {
		key := [2]string{it.Kind, it.Name}
		i, ok := at[key]
		if !ok {
			i = len(groups)
			at[key] = i
			groups = append(groups, evGroup{Kind: it.Kind, Name: it.Name})
		}
		view := evItem{Clock: clock(it.At), Offset: offset(it.At, t0), Body: body(it)}
		switch it.Phase {
		case evidence.Before:
			groups[i].Before = append(groups[i].Before, view)
		case evidence.After:
			groups[i].After = append(groups[i].After, view)
		default:
			groups[i].During = append(groups[i].During, view)
		}
	}
	for i := range groups {
		groups[i].Delta = delta(items, groups[i].Kind, groups[i].Name)
	}
	return groups
}

// delta summarises how a measurement moved from its last BEFORE to its first AFTER:
// "12 → 40 (+28)" for numbers, "unchanged" or "changed" otherwise, "" without both.
func delta(items []evidence.Item, kind, name string) string {
	var before, after *evidence.Item
	for i := range items {
		it := &items[i]
		if it.Kind != kind || it.Name != name {
			continue
		}
		if it.Phase == evidence.Before {
			before = it
		}
		if it.Phase == evidence.After && after == nil {
			after = it
		}
	}
	if before == nil || after == nil {
		return ""
	}
	a, aok := number(before.Data)
	b, bok := number(after.Data)
	if aok && bok {
		d := new(big.Float).Sub(b, a)
		sign := ""
		if d.Sign() >= 0 {
			sign = "+"
		}
		return fmt.Sprintf("%s → %s (%s%s)", a.Text('g', 10), b.Text('g', 10), sign, d.Text('g', 10))
	}
	if bytes.Equal(before.Data, after.Data) && before.Text == after.Text {
		return "unchanged"
	}
	return "changed"
}

func number(raw json.RawMessage) (*big.Float, bool) {
	var n json.Number
	if len(raw) == 0 || json.Unmarshal(raw, &n) != nil {
		return nil, false
	}
	f, _, err := big.ParseFloat(n.String(), 10, 64, big.ToNearestEven)
	return f, err == nil
}

// body is an item's value for display: indented JSON, or its text.
func body(it evidence.Item) string {
	if len(it.Data) > 0 {
		var b bytes.Buffer
		if json.Indent(&b, it.Data, "", "  ") == nil {
			return clip(b.String())
		}
		return clip(string(it.Data))
	}
	return clip(it.Text)
}

func clip(s string) string {
	if len(s) <= maxBody {
		return s
	}
	cut := maxBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n… %d more bytes in %s", len(s)-cut, EvidenceFile)
}

// profileName names the run's release profile for the reports.
func profileName(run *evidence.Run) string {
	if run.Profile == nil {
		return "none (every skip makes the run INCOMPLETE)"
	}
	return run.Profile.Name
}
