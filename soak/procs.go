package soak

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Process is one entry of the process table, as read from /proc.
type Process struct {
	PID   int    `json:"pid"`
	PPID  int    `json:"ppid"`
	PGID  int    `json:"pgid"`
	State string `json:"state"`
	// Cmdline is the command line, arguments separated by spaces.
	Cmdline string `json:"cmdline"`
	env     []string
	sockets []uint64 // inodes of the sockets it holds open
}

// HasEnv reports whether the process's environment holds the exact entry kv ("K=V").
func (p Process) HasEnv(kv string) bool {
	for _, e := range p.env {
		if e == kv {
			return true
		}
	}
	return false
}

// String describes the process on one line, its command line cut after 200 bytes.
func (p Process) String() string {
	cmd := p.Cmdline
	if len(cmd) > 200 {
		cmd = cmd[:200] + "..."
	}
	return fmt.Sprintf("pid %d (ppid %d, pgid %d, %s): %s", p.PID, p.PPID, p.PGID, p.State, cmd)
}

// Processes reads the process table from /proc. Processes that end while it reads are
// left out; the environment and sockets of processes of other users are not readable and
// stay empty.
func Processes() (map[int]Process, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("processes: %w", err)
	}
	out := make(map[int]Process, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, ok := readProcess(pid)
		if ok {
			out[pid] = p
		}
	}
	return out, nil
}

func readProcess(pid int) (Process, bool) {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return Process{}, false
	}
	p, ok := parseStat(pid, string(stat))
	if !ok {
		return Process{}, false
	}
	if cmd, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		p.Cmdline = strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
	}
	if env, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil {
		for _, kv := range bytes.Split(env, []byte{0}) {
			if len(kv) > 0 {
				p.env = append(p.env, string(kv))
			}
		}
	}
	fds, _ := os.ReadDir(filepath.Join(dir, "fd"))
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		if ino, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]"), 10, 64); err == nil {
			p.sockets = append(p.sockets, ino)
		}
	}
	return p, true
}

// parseStat parses /proc/PID/stat: "pid (comm) state ppid pgrp ...". comm may hold spaces
// and parentheses, so the fields are read after the last ')'.
func parseStat(pid int, stat string) (Process, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return Process{}, false
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 3 {
		return Process{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return Process{}, false
	}
	p := Process{PID: pid, PPID: ppid, PGID: pgid, State: f[0]}
	if j := strings.IndexByte(stat, '('); j >= 0 && j < i {
		p.Cmdline = stat[j+1 : i]
	}
	return p, true
}

// harnessProcess matches the command lines of processes the harness starts: kfake,
// Kafka's JVM, Prometheus, Alertmanager and the repository's binaries.
var harnessProcess = regexp.MustCompile(`dskfake|java .*kafka|prometheus|alertmanager|\.bin/repo/`)

// IsHarnessProcess reports whether a command line looks like a process the harness starts
// (dskfake, a Kafka JVM, Prometheus, Alertmanager, a binary of .bin/repo).
func IsHarnessProcess(cmdline string) bool { return harnessProcess.MatchString(cmdline) }

// descendsFrom reports whether pid's parent chain reaches root.
func descendsFrom(procs map[int]Process, pid, root int) bool {
	for seen := 0; pid > 1 && seen < 64; seen++ {
		if pid == root {
			return true
		}
		p, ok := procs[pid]
		if !ok {
			return false
		}
		pid = p.PPID
	}
	return false
}
