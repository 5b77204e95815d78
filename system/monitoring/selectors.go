package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/prometheus/client_golang/api"
)

// Selector is one series selector of a PromQL expression (a vector selector, or the
// selector of a range), as Prometheus's own parser read it.
type Selector struct {
	// Name is the metric name; empty for a selector by matchers alone.
	Name string
	// Matchers are the label matchers other than the metric name's.
	Matchers []Matcher
}

// Matcher is one label matcher of a Selector.
type Matcher struct {
	// Name is the label name.
	Name string
	// Type is "=", "!=", "=~" or "!~".
	Type string
	// Value is the value or regular expression matched.
	Value string
}

// parseQueryPath is Prometheus's endpoint that parses an expression into its syntax tree
// as JSON (the tree view of its UI), without evaluating it.
const parseQueryPath = "/api/v1/parse_query"

// ParseSelectors asks the Prometheus at baseURL ("http://host:port") to parse query
// (GET /api/v1/parse_query) and returns the selectors of its syntax tree, in a stable
// order: what the expression reads, as Prometheus's parser sees it.
func ParseSelectors(ctx context.Context, baseURL, query string) ([]Selector, error) {
	cl, err := api.NewClient(api.Config{Address: baseURL})
	if err != nil {
		return nil, fmt.Errorf("parse query: %w", err)
	}
	u := cl.URL(parseQueryPath, nil)
	u.RawQuery = url.Values{"query": {query}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("parse query: %w", err)
	}
	resp, body, err := cl.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("parse query at %s: %w", baseURL, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("the Prometheus at %s has no %s (it answered 404): use a Prometheus that has it, such as the pinned one (system/tools)", baseURL, parseQueryPath)
	}
	var reply struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return nil, fmt.Errorf("parse query at %s: HTTP %d, not the API's JSON: %w", baseURL, resp.StatusCode, err)
	}
	if reply.Status != "success" {
		return nil, fmt.Errorf("Prometheus at %s could not parse %q: %s", baseURL, query, reply.Error)
	}
	var tree any
	if err := json.Unmarshal(reply.Data, &tree); err != nil {
		return nil, fmt.Errorf("parse query at %s: the syntax tree: %w", baseURL, err)
	}
	return selectorsOf(tree, nil), nil
}

// selectorsOf appends the selectors of a parse_query tree to out: nodes whose type is
// vectorSelector or matrixSelector, with their name and matchers ("__name__" left out).
func selectorsOf(node any, out []Selector) []Selector {
	switch n := node.(type) {
	case []any:
		for _, c := range n {
			out = selectorsOf(c, out)
		}
	case map[string]any:
		if t, _ := n["type"].(string); t == "vectorSelector" || t == "matrixSelector" {
			s := Selector{}
			s.Name, _ = n["name"].(string)
			ms, _ := n["matchers"].([]any)
			for _, m := range ms {
				mm, _ := m.(map[string]any)
				name, _ := mm["name"].(string)
				typ, _ := mm["type"].(string)
				value, _ := mm["value"].(string)
				if name != "__name__" {
					s.Matchers = append(s.Matchers, Matcher{Name: name, Type: typ, Value: value})
				}
			}
			return append(out, s)
		}
		for _, k := range slices.Sorted(maps.Keys(n)) {
			out = selectorsOf(n[k], out)
		}
	}
	return out
}
