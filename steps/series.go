package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// scrapeFamilies fetches http://addr/metrics and returns every metric family by name,
// decoded by the harness with expfmt.
func scrapeFamilies(ctx context.Context, addr string) (map[string]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", addr, resp.Status)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	out := map[string]*dto.MetricFamily{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			if errors.Is(err, io.EOF) {
				return inContractNames(ctx, out), nil
			}
			return nil, fmt.Errorf("scrape %s: %w", addr, err)
		}
		out[mf.GetName()] = &mf
	}
}

// inContractNames names the families of the implementation under test as the contract
// does, as the scenario's SUT profile maps them (sut.ContractFamilies). ctx must be a
// scenario's: a scrape outside one would silently keep the implementation's own names.
func inContractNames(ctx context.Context, fams map[string]*dto.MetricFamily) map[string]*dto.MetricFamily {
	return world(ctx).sut.ContractFamilies(fams)
}

// seriesID is a series as name{label="value",...} with its labels sorted.
func seriesID(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, labels[k])
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// parseSeriesID reads name{a="x",b="y"} (values without commas or quotes) into its
// canonical seriesID.
func parseSeriesID(s string) (string, error) {
	name, rest, ok := strings.Cut(strings.TrimSpace(s), "{")
	if !ok || !strings.HasSuffix(rest, "}") {
		return "", fmt.Errorf("series %q: expected name{label=\"value\",...}", s)
	}
	labels := map[string]string{}
	if rest == "}" {
		return seriesID(name, labels), nil
	}
	for _, kv := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
		k, v, ok := strings.Cut(kv, "=")
		uv, err := strconv.Unquote(v)
		if !ok || err != nil {
			return "", fmt.Errorf("series %q: label %q", s, kv)
		}
		labels[strings.TrimSpace(k)] = uv
	}
	return seriesID(name, labels), nil
}

// typedValue is a series' type ("counter", "gauge") and value.
type typedValue struct {
	typ   string
	value float64
}

func (v typedValue) String() string { return fmt.Sprintf("%s %v", v.typ, v.value) }

// shown returns series as text for the evidence.
func shown(series map[string]typedValue) map[string]string {
	out := make(map[string]string, len(series))
	for id, v := range series {
		out[id] = v.String()
	}
	return out
}

// verdict is what a poll observed: the differences, or that the series matched.
func verdict(diff []string, n int) string {
	if len(diff) == 0 {
		return fmt.Sprintf("%d series, each as expected", n)
	}
	return strings.Join(diff, "; ")
}

// familyValue returns the value of the series of family name whose labels include
// match, and false when the family or the series is absent.
func familyValue(fams map[string]*dto.MetricFamily, name string, match map[string]string) (float64, bool) {
	mf, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		for k, v := range match {
			if labels[k] != v {
				continue next
			}
		}
		if m.Counter != nil {
			return m.GetCounter().GetValue(), true
		}
		return m.GetGauge().GetValue(), true
	}
	return 0, false
}
