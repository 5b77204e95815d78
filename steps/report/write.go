package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/dashstream/acceptance/steps/evidence"
)

// File names inside a run's report directory.
const (
	EvidenceFile = "evidence.json"
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	CucumberFile = "cucumber.json"
	JUnitFile    = "junit.xml"
	ManifestFile = "SHA256SUMS"
)

// ErrExists is returned by Write when the run's report directory already exists.
var ErrExists = errors.New("report directory already exists")

// Paths are the files Write created; Cucumber and JUnit are empty when not given.
type Paths struct {
	Dir, Evidence, Markdown, HTML, Cucumber, JUnit, Manifest string
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Write publishes the report of run into root/<run.ID>/ (see the package doc for the
// files) and returns their paths. cucumberJSON and junitXML are godog's outputs, kept as
// given; nil skips the file. It merges cucumberJSON into run first.
func Write(root string, run *evidence.Run, cucumberJSON, junitXML []byte) (Paths, error) {
	if run == nil {
		return Paths{}, errors.New("write report: run is nil")
	}
	if !safeID.MatchString(run.ID) {
		return Paths{}, fmt.Errorf("write report: run id %q is not a safe directory name: use letters, digits, '.', '_' and '-'", run.ID)
	}
	if len(cucumberJSON) > 0 {
		if err := run.Reconcile(cucumberJSON); err != nil {
			return Paths{}, fmt.Errorf("write report: %w", err)
		}
	}
	snap := run.Snapshot()
	final := filepath.Join(root, run.ID)
	if _, err := os.Stat(final); err == nil {
		return Paths{}, fmt.Errorf("write report %s: %w; run ids are unique, so this is another run's report: choose a new id or remove it", final, ErrExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Paths{}, fmt.Errorf("write report: %w", err)
	}

	files, err := render(snap, cucumberJSON, junitXML)
	if err != nil {
		return Paths{}, fmt.Errorf("write report: %w", err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return Paths{}, fmt.Errorf("write report: %w", err)
	}
	tmp, err := os.MkdirTemp(root, "."+run.ID+".tmp-")
	if err != nil {
		return Paths{}, fmt.Errorf("write report: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	names := make([]string, 0, len(files))
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(tmp, f.name), f.data, 0o644); err != nil {
			return Paths{}, fmt.Errorf("write report: %w", err)
		}
		names = append(names, f.name)
	}
	if err := writeManifest(tmp, names); err != nil {
		return Paths{}, fmt.Errorf("write report: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Paths{}, fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return Paths{}, fmt.Errorf("write report: publish %s: %w", final, err)
	}

	p := Paths{
		Dir: final, Evidence: filepath.Join(final, EvidenceFile), Markdown: filepath.Join(final, MarkdownFile),
		HTML: filepath.Join(final, HTMLFile), Manifest: filepath.Join(final, ManifestFile),
	}
	if len(cucumberJSON) > 0 {
		p.Cucumber = filepath.Join(final, CucumberFile)
	}
	if len(junitXML) > 0 {
		p.JUnit = filepath.Join(final, JUnitFile)
	}
	return p, nil
}

type file struct {
	name string
	data []byte
}

// render produces every file but the manifest, in memory.
func render(run *evidence.Run, cucumberJSON, junitXML []byte) ([]file, error) {
	var ev bytes.Buffer
	enc := json.NewEncoder(&ev)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(run); err != nil {
		return nil, fmt.Errorf("encode %s: %w", EvidenceFile, err)
	}
	files := []file{{EvidenceFile, ev.Bytes()}, {MarkdownFile, renderMarkdown(run)}}
	if len(cucumberJSON) > 0 {
		files = append(files, file{CucumberFile, cucumberJSON})
	}
	if len(junitXML) > 0 {
		files = append(files, file{JUnitFile, junitXML})
	}
	names := make([]string, 0, len(files)+1)
	for _, f := range files {
		names = append(names, f.name)
	}
	page, err := renderHTML(run, append(names, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", HTMLFile, err)
	}
	return append(files, file{HTMLFile, page}), nil
}
