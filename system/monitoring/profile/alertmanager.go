package profile

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// routeTimings are the route keys the profile scales.
var routeTimings = []string{"group_wait", "group_interval", "repeat_interval"}

// Alertmanager returns the Alertmanager configuration src rewritten by the profile: the
// group timings of every route scaled, and every receiver's integrations replaced by one
// webhook at webhookURL(receiver name) with send_resolved: true. Routes, matchers,
// inhibit rules and global settings are kept. source names the production file in the
// generated header.
func Alertmanager(src []byte, p Profile, source string, webhookURL func(receiver string) string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("alertmanager profile: parse %s: %w", source, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("alertmanager profile: %s: not a single YAML document", source)
	}
	root := doc.Content[0]
	route := mapValue(root, "route")
	if route == nil {
		return nil, fmt.Errorf("alertmanager profile: %s: no `route:`", source)
	}
	if err := p.rewriteRoute(route); err != nil {
		return nil, fmt.Errorf("alertmanager profile: %s: %w", source, err)
	}
	receivers := mapValue(root, "receivers")
	if receivers == nil || receivers.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("alertmanager profile: %s: no `receivers:` list", source)
	}
	for i, r := range receivers.Content {
		name := scalar(mapValue(r, "name"))
		if name == "" {
			return nil, fmt.Errorf("alertmanager profile: %s: receiver %d has no name", source, i)
		}
		receivers.Content[i] = webhookReceiver(name, webhookURL(name))
	}
	clearTopComment(&doc)
	doc.HeadComment = p.header(source)
	return encode(&doc)
}

// rewriteRoute scales the timings of a route and of its sub-routes, in place.
func (p Profile) rewriteRoute(route *yaml.Node) error {
	for _, key := range routeTimings {
		n := mapValue(route, key)
		if n == nil {
			continue
		}
		v, err := p.scale(n.Value, p.MinTiming)
		if err != nil {
			return fmt.Errorf("route %s: %w", key, err)
		}
		n.Value = v
	}
	if subs := mapValue(route, "routes"); subs != nil {
		for _, s := range subs.Content {
			if err := p.rewriteRoute(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// webhookReceiver builds `{name: name, webhook_configs: [{url: url, send_resolved: true}]}`.
func webhookReceiver(name, url string) *yaml.Node {
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	cfg := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("url"), str(url),
		str("send_resolved"), {Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"},
	}}
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("name"), str(name),
		str("webhook_configs"), {Kind: yaml.SequenceNode, Content: []*yaml.Node{cfg}},
	}}
}
