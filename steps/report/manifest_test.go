package report_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/report"
)

func TestManifestDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"changed file", func(t *testing.T, dir string) {
			page := readFile(t, filepath.Join(dir, report.HTMLFile))
			page = page[:len(page)-10] + "<!--x-->\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, report.HTMLFile), []byte(page), 0o644))
		}, "report.html was changed"},
		{"missing file", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, report.JUnitFile)))
		}, "junit.xml is missing"},
		{"extra file", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "extra.txt"), []byte("x"), 0o644))
		}, "extra.txt is not in the manifest"},
		{"manifest points outside", func(t *testing.T, dir string) {
			bad := "0000000000000000000000000000000000000000000000000000000000000000  ../evil\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, report.ManifestFile), []byte(bad), 0o644))
		}, "line 1 is not"},
		{"manifest gone", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, report.ManifestFile)))
		}, "is "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := writeFixture(t)
			require.NoError(t, report.VerifyManifest(p.Dir))
			tt.tamper(t, p.Dir)
			err := report.VerifyManifest(p.Dir)
			require.ErrorContains(t, err, tt.want)
			require.ErrorIs(t, err, report.ErrManifest)
		})
	}
}

func TestManifestIsSha256sumFormat(t *testing.T) {
	_, p := writeFixture(t)
	lines := readFile(t, p.Manifest)
	require.Regexp(t, `^([0-9a-f]{64}  (cucumber\.json|evidence\.json|junit\.xml|report\.html|report\.md)\n){5}$`, lines)

	bin, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum (coreutils) not installed: the manifest was checked by VerifyManifest only")
	}
	cmd := exec.Command(bin, "--check", "--strict", report.ManifestFile)
	cmd.Dir = p.Dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "sha256sum -c: %s", out)
}
