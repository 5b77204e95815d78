package selftest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Mutant is one defect put back into a copy of the repository, and where the gate must
// catch it. See the package doc for the file format.
type Mutant struct {
	Name     string `yaml:"name" json:"name"`
	Promise  string `yaml:"promise" json:"promise"`
	File     string `yaml:"file" json:"file"`
	Find     string `yaml:"find" json:"-"`
	Replace  string `yaml:"replace" json:"-"`
	Tags     string `yaml:"tags" json:"tags"`
	Scenario string `yaml:"scenario" json:"scenario"`
	Step     string `yaml:"step" json:"step"`
	Expect   string `yaml:"expect,omitempty" json:"expect,omitempty"`
	// Hole, when set, declares a known hole: no scenario kills this mutant yet, and Hole
	// says why and what would. The self-test reports it and does not fail on it; a hole
	// that is killed is reported so that the mark is removed.
	Hole string `yaml:"hole,omitempty" json:"hole,omitempty"`
	// Stack, when set, is the only stack whose code the mutant changes (a
	// system/containers file): on any other stack its defect never runs, so the self-test
	// leaves it out (OnStack) and says so.
	Stack string `yaml:"stack,omitempty" json:"stack,omitempty"`
	// Family is the file the mutant came from, without its extension.
	Family string `yaml:"-" json:"family"`
}

// OnStack reports whether m runs on the named stack: it names none, or that one.
func (m Mutant) OnStack(name string) bool { return m.Stack == "" || m.Stack == name }

// ErrMutants is wrapped by every error about the mutant files' content.
var ErrMutants = errors.New("invalid mutant")

// Load reads every *.yml in dir, in name order, and checks each mutant against the
// repository at root: required fields set, names unique, Find occurring exactly once in
// File, Replace different from Find. Every invalid mutant is reported, not only the first.
func Load(root, dir string) ([]Mutant, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil {
		return nil, fmt.Errorf("list mutants: %w", err)
	}
	sort.Strings(files)
	var all []Mutant
	var bad []error
	seen := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read mutants: %w", err)
		}
		var ms []Mutant
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&ms); err != nil {
			return nil, fmt.Errorf("%s: %w: %v", filepath.Base(f), ErrMutants, err)
		}
		family := strings.TrimSuffix(filepath.Base(f), ".yml")
		for i := range ms {
			m := &ms[i]
			m.Family = family
			if err := m.check(root); err != nil {
				bad = append(bad, fmt.Errorf("%s: mutant %d (%s): %w", filepath.Base(f), i+1, m.Name, err))
			}
			if prev, ok := seen[m.Name]; ok {
				bad = append(bad, fmt.Errorf("%s: %w: name %q is used in %s too", filepath.Base(f), ErrMutants, m.Name, prev))
			}
			seen[m.Name] = family
		}
		all = append(all, ms...)
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: no mutants in %s", ErrMutants, dir)
	}
	return all, nil
}

func (m *Mutant) check(root string) error {
	for _, f := range []struct{ name, v string }{
		{"name", m.Name}, {"promise", m.Promise}, {"file", m.File}, {"find", m.Find},
		{"tags", m.Tags}, {"scenario", m.Scenario}, {"step", m.Step},
	} {
		if strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("%w: %s is empty", ErrMutants, f.name)
		}
	}
	for _, bad := range []string{"||", "(", ")", " or ", " and ", "not "} {
		if strings.Contains(m.Tags, bad) {
			return fmt.Errorf("%w: tags %q: godog's tag filter knows ',' (or), '&&' (and) and '~' (not), not %q",
				ErrMutants, m.Tags, bad)
		}
	}
	if m.Find == m.Replace {
		return fmt.Errorf("%w: replace equals find: the mutant changes nothing", ErrMutants)
	}
	src, err := os.ReadFile(filepath.Join(root, m.File))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMutants, err)
	}
	if n := bytes.Count(src, []byte(m.Find)); n != 1 {
		return fmt.Errorf("%w: find occurs %d times in %s, not once: update the mutant", ErrMutants, n, m.File)
	}
	return nil
}

// Apply writes the mutated file into the copy at dir and returns a function that restores it.
func (m Mutant) Apply(dir string) (restore func() error, err error) {
	path := filepath.Join(dir, m.File)
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", m.Name, err)
	}
	if n := bytes.Count(src, []byte(m.Find)); n != 1 {
		return nil, fmt.Errorf("apply %s: find occurs %d times in %s, not once", m.Name, n, m.File)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("apply %s: %w", m.Name, err)
	}
	if err := os.WriteFile(path, bytes.Replace(src, []byte(m.Find), []byte(m.Replace), 1), info.Mode().Perm()); err != nil {
		return nil, fmt.Errorf("apply %s: %w", m.Name, err)
	}
	return func() error { return os.WriteFile(path, src, info.Mode().Perm()) }, nil
}
