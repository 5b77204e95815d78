package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrManifest is returned by VerifyManifest when the files do not match SHA256SUMS.
var ErrManifest = errors.New("report files do not match " + ManifestFile)

// writeManifest writes SHA256SUMS in dir over names, sorted, in sha256sum's text format.
func writeManifest(dir string, names []string) error {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var b bytes.Buffer
	for _, n := range sorted {
		sum, err := fileSum(filepath.Join(dir, n))
		if err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, n)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// VerifyManifest checks a run's report directory (Paths.Dir) against its SHA256SUMS:
// every listed file must exist with its checksum, and no other file may be present. The
// error wraps ErrManifest and names every file that differs.
func VerifyManifest(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return fmt.Errorf("verify manifest %s: %w: %w; is it a report directory (Paths.Dir)?", dir, ErrManifest, err)
	}
	listed := map[string]bool{}
	var problems []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for line := 1; sc.Scan(); line++ {
		sum, name, ok := parseLine(sc.Text())
		if !ok {
			problems = append(problems, fmt.Sprintf("line %d is not \"<sha256>  <file>\"", line))
			continue
		}
		listed[name] = true
		got, err := fileSum(filepath.Join(dir, name))
		switch {
		case errors.Is(err, os.ErrNotExist):
			problems = append(problems, name+" is missing")
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s cannot be read: %v", name, err))
		case got != sum:
			problems = append(problems, name+" was changed (checksum differs)")
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("verify manifest: %w", err)
	}
	for _, e := range entries {
		if e.Name() != ManifestFile && !listed[e.Name()] {
			problems = append(problems, e.Name()+" is not in the manifest")
		}
	}
	if len(listed) == 0 && len(problems) == 0 {
		problems = append(problems, ManifestFile+" lists no files")
	}
	if len(problems) > 0 {
		return fmt.Errorf("verify manifest %s: %w: %s; the report was altered after it was written: use the original or regenerate it",
			dir, ErrManifest, strings.Join(problems, "; "))
	}
	return nil
}

// parseLine reads "<64 hex>  <name>" (or " *<name>", sha256sum's binary mode). Names
// must be plain file names: a manifest cannot point outside its directory.
func parseLine(l string) (sum, name string, ok bool) {
	if len(l) < 67 || l[64] != ' ' || (l[65] != ' ' && l[65] != '*') {
		return "", "", false
	}
	sum, name = strings.ToLower(l[:64]), l[66:]
	if _, err := hex.DecodeString(sum); err != nil {
		return "", "", false
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", "", false
	}
	return sum, name, true
}
