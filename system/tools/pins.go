package tools

import (
	"errors"
	"fmt"
	"slices"
)

// ErrUnknownTool is returned for a tool name that has no pin.
var ErrUnknownTool = errors.New("unknown tool")

// Pin describes one pinned upstream binary: where it comes from and which version.
type Pin struct {
	// Name is the binary's name ("prometheus", "promtool", "alertmanager", "amtool").
	Name string
	// Package is the import path of the main package.
	Package string
	// Version is the module version passed to go install ("v0.316.0").
	Version string
	// Release is the upstream release the module version corresponds to ("3.16.0").
	Release string
	// Tags are the build tags.
	Tags []string
}

// spec is what go install is asked for; it goes into the stamp, so any change of pin
// (version, package or tags) makes an installed binary stale.
func (p Pin) spec() string {
	return fmt.Sprintf("%s@%s tags=%v ldflags=%q", p.Package, p.Version, p.Tags, p.ldflags())
}

// ldflags stamp the release into the binary: a module built by go install otherwise
// reports an empty version ("prometheus, version  (branch: , revision: unknown)").
// -X only affects the link step, so the compile cache is shared with plain builds.
func (p Pin) ldflags() string {
	const v = "github.com/prometheus/common/version."
	return fmt.Sprintf("-X %sVersion=%s -X %sRevision=%s -X %sBranch=module",
		v, p.Release, v, modulePath(p.Package)+"@"+p.Version, v)
}

const (
	prometheusVersion   = "v0.316.0" // Prometheus 3.16.0
	prometheusRelease   = "3.16.0"
	alertmanagerVersion = "v0.31.1" // v0.34.2 and v0.35.0 do not build with go install: ui/app/dist is not in the module
	alertmanagerRelease = "0.31.1"
)

// pins is the one place where tool versions are pinned.
var pins = []Pin{
	{Name: "prometheus", Package: "github.com/prometheus/prometheus/cmd/prometheus",
		Version: prometheusVersion, Release: prometheusRelease, Tags: []string{"remove_all_sd"}},
	{Name: "promtool", Package: "github.com/prometheus/prometheus/cmd/promtool",
		Version: prometheusVersion, Release: prometheusRelease, Tags: []string{"remove_all_sd"}},
	{Name: "alertmanager", Package: "github.com/prometheus/alertmanager/cmd/alertmanager",
		Version: alertmanagerVersion, Release: alertmanagerRelease},
	{Name: "amtool", Package: "github.com/prometheus/alertmanager/cmd/amtool",
		Version: alertmanagerVersion, Release: alertmanagerRelease},
}

// Lookup returns the pin of the named tool.
func Lookup(name string) (Pin, error) {
	for _, p := range pins {
		if p.Name == name {
			p.Tags = slices.Clone(p.Tags)
			return p, nil
		}
	}
	return Pin{}, fmt.Errorf("lookup %q: %w (known: %v)", name, ErrUnknownTool, Names())
}

// Names returns the names of all pinned tools.
func Names() []string {
	out := make([]string, 0, len(pins))
	for _, p := range pins {
		out = append(out, p.Name)
	}
	return out
}

// Version returns the upstream release of the named tool for reports, such as
// "prometheus 3.16.0 (github.com/prometheus/prometheus@v0.316.0)"; it returns ""
// for an unknown tool.
func Version(name string) string {
	p, err := Lookup(name)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %s (%s@%s)", p.Name, p.Release, modulePath(p.Package), p.Version)
}

// modulePath strips the /cmd/<name> suffix of a main package's import path.
func modulePath(pkg string) string {
	for i := len(pkg) - 1; i > 0; i-- {
		if pkg[i] == '/' && len(pkg[:i]) > 4 && pkg[i-4:i] == "/cmd" {
			return pkg[:i-4]
		}
	}
	return pkg
}
