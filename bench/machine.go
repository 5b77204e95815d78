package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dashstream/acceptance/system/proc"
)

// ReadMachine describes this machine: cores, memory, Go, kernel, load and the busiest
// other processes. Fields it cannot read stay empty; it never fails.
func ReadMachine(ctx context.Context) Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OSArch: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		m.MemoryBytes, _ = ParseMemTotal(f)
		f.Close()
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.CPU = ParseCPUModel(f)
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.LoadStart = LoadAvg()
	m.Busy = Busiest(ctx, 6)
	return m
}

// ParseMemTotal returns MemTotal from /proc/meminfo content, in bytes.
func ParseMemTotal(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("meminfo: MemTotal %q: %w", f[1], err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("meminfo: no MemTotal line")
}

// ParseCPUModel returns the first "model name" of /proc/cpuinfo content, or "".
func ParseCPUModel(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// LoadAvg returns the first three fields of /proc/loadavg ("1.20 0.80 0.50"), or "".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// kcatVersion matches kcat -V: "Version 1.7.1 (JSON, ..., librdkafka 2.0.2 builtin.features=...".
var kcatVersion = regexp.MustCompile(`Version (\S+) .*librdkafka (\S+)`)

// ParseKcatVersion returns kcat's and librdkafka's versions from the output of kcat -V.
func ParseKcatVersion(out string) (kcat, librdkafka string, err error) {
	m := kcatVersion.FindStringSubmatch(out)
	if m == nil {
		return "", "", fmt.Errorf("kcat -V: no \"Version X ... librdkafka Y\" in %q", proc.LastLines(out, 2))
	}
	return m[1], m[2], nil
}

// KcatVersion runs kcat -V and parses it.
func KcatVersion(ctx context.Context) (kcat, librdkafka string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "kcat", "-V").CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("kcat -V: %w: install it with scripts/ensure-packages kcat=kcat", err)
	}
	return ParseKcatVersion(string(out))
}

// GitCommit returns the commit checked out in dir and whether the work tree differs from it.
func GitCommit(ctx context.Context, dir string) (commit string, dirty bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", false, fmt.Errorf("git rev-parse: %w", err)
	}
	cmd = exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
	cmd.Dir = dir
	st, err := cmd.Output()
	if err != nil {
		return "", false, fmt.Errorf("git status: %w", err)
	}
	return strings.TrimSpace(string(out)), len(strings.TrimSpace(string(st))) > 0, nil
}
