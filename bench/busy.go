package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat (100 on Linux).
const clockTicks = 100

// Busiest names the n processes that used the most CPU during the next second ("java
// 87%"), from two samples of /proc/<pid>/stat; this process is left out. On error, or
// when ctx ends first, it returns nil.
func Busiest(ctx context.Context, n int) []string {
	before := cpuTicks()
	select {
	case <-time.After(time.Second): // the sampling window
	case <-ctx.Done():
		return nil
	}
	after := cpuTicks()
	return topUsers(before, after, time.Second, n)
}

// procTicks is one process's name and CPU time (user + system) in clock ticks.
type procTicks struct {
	comm  string
	ticks uint64
}

// cpuTicks reads every process's CPU time, by pid.
func cpuTicks() map[int]procTicks {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	out := make(map[int]procTicks, len(paths))
	self := os.Getpid()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the process ended
		}
		pid, pt, err := ParseProcStat(string(b))
		if err == nil && pid != self {
			out[pid] = pt
		}
	}
	return out
}

// ParseProcStat returns the pid, the command name and utime+stime of a /proc/<pid>/stat
// line. The name is in parentheses and may itself contain spaces and parentheses.
func ParseProcStat(line string) (int, procTicks, error) {
	open, closing := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return 0, procTicks{}, fmt.Errorf("proc stat: no (comm) in %q", line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return 0, procTicks{}, fmt.Errorf("proc stat: pid: %w", err)
	}
	// After ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15).
	f := strings.Fields(line[closing+1:])
	if len(f) < 13 {
		return 0, procTicks{}, fmt.Errorf("proc stat: %d fields after the name, want 13 or more", len(f))
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, procTicks{}, fmt.Errorf("proc stat: utime %q stime %q are not numbers", f[11], f[12])
	}
	return pid, procTicks{comm: line[open+1 : closing], ticks: u + s}, nil
}

// topUsers returns the n processes with the most CPU between two samples taken window
// apart, as "name NN%" (100% is one core); processes under 1% are left out.
func topUsers(before, after map[int]procTicks, window time.Duration, n int) []string {
	type use struct {
		comm string
		pct  float64
	}
	var uses []use
	for pid, a := range after {
		b, ok := before[pid]
		if !ok || b.comm != a.comm || a.ticks < b.ticks {
			continue
		}
		pct := float64(a.ticks-b.ticks) / clockTicks / window.Seconds() * 100
		if pct >= 1 {
			uses = append(uses, use{a.comm, pct})
		}
	}
	sort.Slice(uses, func(i, j int) bool {
		if uses[i].pct != uses[j].pct {
			return uses[i].pct > uses[j].pct
		}
		return uses[i].comm < uses[j].comm
	})
	var out []string
	for i, u := range uses {
		if i == n {
			break
		}
		out = append(out, fmt.Sprintf("%s %.0f%%", u.comm, u.pct))
	}
	return out
}
