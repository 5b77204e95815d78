package monitoring

import (
	"fmt"
	"os"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// defaultGroupWait is Alertmanager's group_wait when no route sets one.
const defaultGroupWait = 30 * time.Second

// amRoute is the part of an Alertmanager route that sets its timing.
type amRoute struct {
	Receiver  string    `yaml:"receiver"`
	GroupWait string    `yaml:"group_wait"`
	Routes    []amRoute `yaml:"routes"`
}

// GroupWait returns how long the stack's Alertmanager waits before it first notifies
// receiver of a new group (GroupWaitIn), from the generated configuration it runs with.
func (st *Stack) GroupWait(receiver string) (time.Duration, error) {
	b, err := os.ReadFile(st.AlertmanagerFile)
	if err != nil {
		return 0, fmt.Errorf("group wait: %w", err)
	}
	return GroupWaitIn(b, receiver)
}

// GroupWaitIn returns how long an Alertmanager running with config waits before it first
// notifies receiver of a new group: the group_wait of the first route, depth first, that
// delivers to receiver, inherited from its parents as Alertmanager does (30 s when no
// route sets it).
func GroupWaitIn(config []byte, receiver string) (time.Duration, error) {
	var cfg struct {
		Route amRoute `yaml:"route"`
	}
	if err := yaml.Unmarshal(config, &cfg); err != nil {
		return 0, fmt.Errorf("group wait: parse the alertmanager configuration: %w", err)
	}
	d, ok, err := groupWait(cfg.Route, receiver, defaultGroupWait)
	if err != nil {
		return 0, fmt.Errorf("group wait: %w", err)
	}
	if !ok {
		return 0, fmt.Errorf("group wait: no route delivers to receiver %q", receiver)
	}
	return d, nil
}

// groupWait searches r and its children, depth first, for a route to receiver;
// inherited is the group_wait r inherits from its parent.
func groupWait(r amRoute, receiver string, inherited time.Duration) (time.Duration, bool, error) {
	wait := inherited
	if r.GroupWait != "" {
		d, err := model.ParseDuration(r.GroupWait)
		if err != nil {
			return 0, false, fmt.Errorf("route to %s: group_wait %q: %w", r.Receiver, r.GroupWait, err)
		}
		wait = time.Duration(d)
	}
	for _, c := range r.Routes {
		if d, ok, err := groupWait(c, receiver, wait); err != nil || ok {
			return d, ok, err
		}
	}
	return wait, r.Receiver == receiver, nil
}
