package sut

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// HealthPath is where the WebSocket server's health is served ("/health" by default).
func (p *Profile) HealthPath() string {
	if p.Health.Path == "" {
		return "/health"
	}
	return p.Health.Path
}

// HealthStatuses lists the contract statuses the implementation reports, in the
// contract's order (healthy, degraded, reconnecting, waiting, unhealthy).
func (p *Profile) HealthStatuses() []string {
	var out []string
	for _, s := range healthStatuses {
		if _, ok := p.Health.Statuses[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

// ReadHealth reads the health of the implementation's WebSocket server at addr (its
// HealthPath) and returns it in the contract's shape (ContractHealth): the one way the
// harness reads an implementation's /health. ctx bounds the request.
func (p *Profile) ReadHealth(ctx context.Context, addr string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+p.HealthPath(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.HealthPath(), err)
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("%s: HTTP %d, not JSON: %.200q", p.HealthPath(), resp.StatusCode, raw)
	}
	return p.ContractHealth(raw)
}

// ContractHealth rewrites the implementation's /health JSON in the contract's shape:
// each mapped field moved to the contract's path and the status mapped to the
// contract's word. A field the profile does not map is absent, so a check that needs
// it fails naming it (or skips, when it asks HealthField first). A native profile's
// JSON is returned as it is.
func (p *Profile) ContractHealth(raw []byte) ([]byte, error) {
	if p.Health.FieldsNative && len(p.Health.Fields) == 0 && p.statusesNative() {
		return raw, nil
	}
	var in map[string]any
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("%s's health is not a JSON object: %w", p.Name, err)
	}
	out := map[string]any{}
	if p.Health.FieldsNative {
		out = in
	}
	for _, contract := range slices.Sorted(maps.Keys(p.Health.Fields)) {
		if v, ok := lookup(in, p.Health.Fields[contract]); ok {
			set(out, contract, v)
		}
	}
	if s, ok := lookup(out, "status"); ok {
		if str, ok := s.(string); ok {
			if c := p.HealthStatus(str); c != "" {
				set(out, "status", c)
			} else {
				set(out, "status", "unknown:"+str) // a value the profile does not map: shown, never matched
			}
		}
	}
	return json.Marshal(out)
}

func (p *Profile) statusesNative() bool {
	for c, vs := range p.Health.Statuses {
		if len(vs) != 1 || vs[0] != c {
			return false
		}
	}
	return true
}

// lookup reads a dotted path ("circuit_breaker.state") in a JSON object.
func lookup(m map[string]any, path string) (any, bool) {
	cur := any(m)
	for _, k := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// set writes v at a dotted path, creating the objects on the way.
func set(m map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}
