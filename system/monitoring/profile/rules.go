package profile

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// rangeRE matches a range selector [d] or a subquery [d:r] / [d:] with plain durations.
var rangeRE = regexp.MustCompile(`\[\s*([0-9][0-9a-z]*)\s*(?::\s*([0-9][0-9a-z]*)?\s*)?\]`)

// offsetRE finds modifiers whose meaning would change under scaling.
var offsetRE = regexp.MustCompile(`\boffset\b|@\s*[0-9a-z(]`)

// Rules returns the rule file src (Prometheus rule-file YAML) rewritten by the profile:
// every `for:` and `keep_firing_for:` and every range in `expr:` scaled (see the package
// doc). source names the production file in the generated header.
func Rules(src []byte, p Profile, source string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("rules profile: parse %s: %w", source, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("rules profile: %s: not a single YAML document", source)
	}
	groups := mapValue(doc.Content[0], "groups")
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("rules profile: %s: no `groups:` list", source)
	}
	for _, g := range groups.Content {
		rules := mapValue(g, "rules")
		if rules == nil {
			continue
		}
		for _, r := range rules.Content {
			if err := p.rewriteRule(r); err != nil {
				return nil, fmt.Errorf("rules profile: %s: %w", source, err)
			}
		}
	}
	clearTopComment(&doc)
	doc.HeadComment = p.header(source)
	return encode(&doc)
}

// rewriteRule scales one rule mapping in place.
func (p Profile) rewriteRule(r *yaml.Node) error {
	name := "record " + scalar(mapValue(r, "record"))
	if a := mapValue(r, "alert"); a != nil {
		name = "alert " + a.Value
	}
	for _, key := range []string{"for", "keep_firing_for"} {
		n := mapValue(r, key)
		if n == nil {
			continue
		}
		v, err := p.scale(n.Value, p.MinFor)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", name, key, err)
		}
		n.Value = v
	}
	expr := mapValue(r, "expr")
	if expr == nil {
		return fmt.Errorf("%s: no expr", name)
	}
	out, err := p.Expr(expr.Value)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	expr.Value = out
	return nil
}

// Expr scales every range selector and subquery range in a PromQL expression and leaves
// everything else byte for byte as it was.
func (p Profile) Expr(expr string) (string, error) {
	if m := offsetRE.FindString(expr); m != "" {
		return "", fmt.Errorf("expr uses %q: %w", strings.TrimSpace(m), ErrUnsupported)
	}
	var firstErr error
	out := rangeRE.ReplaceAllStringFunc(expr, func(m string) string {
		sub := rangeRE.FindStringSubmatch(m)
		win, err := p.scale(sub[1], p.MinWindow)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if !strings.Contains(m, ":") {
			return "[" + win + "]"
		}
		if sub[2] == "" {
			return "[" + win + ":]"
		}
		res, err := p.scale(sub[2], 0)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return "[" + win + ":" + res + "]"
	})
	if firstErr != nil {
		return "", fmt.Errorf("expr: %w", firstErr)
	}
	if strings.Count(expr, "[") != len(rangeRE.FindAllString(expr, -1)) {
		return "", fmt.Errorf("expr has a range the rewriter cannot parse (only [d] and [d:r]): %w", ErrUnsupported)
	}
	return out, nil
}

// mapValue returns the value node of key in mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalar returns the value of a scalar node, or "" for nil.
func scalar(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// encode writes a document with a 2-space indent.
func encode(doc *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}

// clearTopComment drops the source file's leading comment, which describes the source
// ("the production profile") and would mislead in a generated file.
func clearTopComment(doc *yaml.Node) {
	doc.HeadComment = ""
	root := doc.Content[0]
	root.HeadComment = ""
	if root.Kind == yaml.MappingNode && len(root.Content) > 0 {
		root.Content[0].HeadComment = ""
	}
}
