package report_test

import (
	"context"
	"errors"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/report"
)

// chromium returns the path of Debian's chromium, or skips the test saying how to get it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed: run `make report-deps` (Debian: apt-get install -y chromium) to test report.html in a real browser")
	return ""
}

// runChromium runs headless chromium with args in its own process group, bounded by a
// deadline; the whole group is killed when it returns, so no renderer outlives the test.
func runChromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Start()
	require.NoError(t, err, "start chromium")
	pgid := cmd.Process.Pid
	defer groupGone(t, pgid)
	err = cmd.Wait()
	require.NoError(t, ctx.Err(), "chromium did not finish within the deadline; stderr:\n%s", stderr.String())
	require.NoError(t, err, "chromium failed; stderr:\n%s", stderr.String())
	return stdout.String()
}

// groupGone kills what is left of chromium's process group and waits, bounded, until
// the group is empty, so no renderer or zygote outlives the test.
func groupGone(t *testing.T, pgid int) {
	t.Helper()
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Errorf("chromium's process group %d still exists 10s after SIGKILL", pgid)
			return
		}
		<-tick.C
	}
}

func TestReportInHeadlessChromium(t *testing.T) {
	bin := chromium(t)
	_, p := writeFixture(t)
	url := "file://" + filepath.ToSlash(p.HTML)

	dom := runChromium(t, bin, "--dump-dom", url)
	require.Contains(t, dom, `<header class="banner fail" id="verdict">`)
	require.Regexp(t, `<div class="verdict">FAIL</div>`, dom)
	require.Contains(t, dom, "Gate failed: 1 failed, 1 pending, 1 skipped without a declared reason.")
	require.Regexp(t, `<html lang="en" class="[^"]*\bjs\b`, dom, "the inline script ran (the CSP allows it)")
	for _, name := range []string{
		"Broker outage raises KafkaBrokerDown and recovers", "Consumer lag alert fires within 90s",
		"Schema v2 messages go to the DLQ",
		`Escaping &lt;script&gt;alert("pwned")&lt;/script&gt; | *bold* &amp; &lt;/title&gt;`,
	} {
		require.Equal(t, 2, strings.Count(dom, name), "%q appears in the table and as a section title", name)
	}
	require.Equal(t, 3, strings.Count(dom, "Network partition between broker and consumer"),
		"a skipped scenario is also listed under what the run did not cover")
	require.Equal(t, 1, strings.Count(dom, "<script"), "only the page's own script element exists")
	require.NotContains(t, dom, "<iframe")
	require.NotContains(t, dom, "<img")
	require.Equal(t, 3, strings.Count(dom, `<svg class="timeline"`), "one timeline per scenario with records")
	require.Equal(t, 2, strings.Count(dom, `<g class="fault">`), "both fault spans are drawn")
	require.Equal(t, 1, strings.Count(dom, `<g class="alertbar">`), "the firing→resolved alert bar")
	require.Equal(t, 2, strings.Count(dom, `<g class="marker met">`))
	require.Equal(t, 1, strings.Count(dom, `<g class="marker missed">`))
	require.Contains(t, dom, `<g class="marker firing">`)
	require.Contains(t, dom, `<g class="marker resolved">`)
	require.Contains(t, dom, `<g class="marker recovered">`)
	require.Contains(t, dom, "needs the containers stack: network faults use tc inside a container")
	require.Contains(t, dom, "1200 → 5230 (+4030)", "BEFORE/AFTER delta of a metric")
	require.Regexp(t, regexp.MustCompile(`✗ not met</span></td>\s*<td>alert DashStreamConsumerLag fires</td>`), dom)

	shot := filepath.Join(t.TempDir(), "shot.png")
	runChromium(t, bin, "--screenshot="+shot, "--window-size=1280,2000", url)
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, 1280, img.Bounds().Dx())
	r, g, b, _ := img.At(60, 60).RGBA()
	require.Greater(t, r>>8, uint32(140), "the banner behind the verdict is red")
	require.Less(t, g>>8, uint32(90))
	require.Less(t, b>>8, uint32(90))
	if dir := os.Getenv("REPORT_SCREENSHOT_DIR"); dir != "" { // for a person to look at
		copyFile(t, shot, filepath.Join(dir, "report-shot.png"))
		copyFile(t, p.HTML, filepath.Join(dir, "report.html"))
	}
	require.NoError(t, report.VerifyManifest(p.Dir), "the browser changed nothing")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.Create(to)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, errors.Join(err, out.Close()))
}
