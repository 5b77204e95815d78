package release

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
)

// Dir is where the profiles live, relative to the repository root.
const Dir = "fixtures/release"

// None is the profile name that accepts nothing: every skip makes the run INCOMPLETE.
const None = "none"

// ErrInvalid is wrapped by every error about a profile's content.
var ErrInvalid = errors.New("invalid release profile")

type file struct {
	Accepts []evidence.Accepted `yaml:"accepts"`
}

// ForStack loads fixtures/release/<stackName>.yml below root; a stack without one gets an
// empty profile (it accepts nothing).
func ForStack(root, stackName string) (evidence.ReleaseProfile, error) {
	rel := filepath.ToSlash(filepath.Join(Dir, stackName+".yml"))
	p, err := Load(root, rel)
	if errors.Is(err, os.ErrNotExist) {
		return evidence.ReleaseProfile{Name: rel + " (absent: accepts nothing)"}, nil
	}
	return p, err
}

// Load reads the profile at path (relative to root, or absolute); None accepts nothing.
func Load(root, path string) (evidence.ReleaseProfile, error) {
	if path == None {
		return evidence.ReleaseProfile{Name: None}, nil
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(root, path)
	}
	b, err := os.ReadFile(full)
	if err != nil {
		return evidence.ReleaseProfile{}, fmt.Errorf("read release profile: %w", err)
	}
	p, err := Parse(b)
	if err != nil {
		return evidence.ReleaseProfile{}, fmt.Errorf("%s: %w", path, err)
	}
	p.Name = path
	return p, nil
}

// Parse reads a profile's YAML and checks it (see the package rules).
func Parse(b []byte) (evidence.ReleaseProfile, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return evidence.ReleaseProfile{}, fmt.Errorf("%w: %v (expected 'accepts:' with a list of {capability, why})", ErrInvalid, err)
	}
	known := stack.Known()
	seen := map[string]bool{}
	for i, a := range f.Accepts {
		switch {
		case !slices.Contains(known, stack.Capability(a.Capability)):
			return evidence.ReleaseProfile{}, fmt.Errorf("%w: entry %d: unknown capability %q; use one of %s",
				ErrInvalid, i+1, a.Capability, knownList(known))
		case seen[a.Capability]:
			return evidence.ReleaseProfile{}, fmt.Errorf("%w: entry %d: capability %q is listed twice", ErrInvalid, i+1, a.Capability)
		case strings.TrimSpace(a.Why) == "":
			return evidence.ReleaseProfile{}, fmt.Errorf("%w: entry %d: capability %q has no why: say why a release may ship without it",
				ErrInvalid, i+1, a.Capability)
		}
		seen[a.Capability] = true
	}
	return evidence.ReleaseProfile{Accepts: f.Accepts}, nil
}

func knownList(caps []stack.Capability) string {
	out := make([]string, len(caps))
	for i, c := range caps {
		out[i] = string(c)
	}
	return strings.Join(out, ", ")
}
