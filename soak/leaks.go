package soak

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// Snapshot is the state of the machine a leak check compares before and after a run.
type Snapshot struct {
	// Procs is the process table.
	Procs map[int]Process
	// Listen maps the listening TCP sockets (see ListeningSockets) to their inodes.
	Listen map[string]uint64
	// Docker is true when a Docker daemon answered; Containers is then its list of
	// harness containers.
	Docker     bool
	Containers []Container
}

// TakeSnapshot reads the process table, the listening sockets and, when a Docker daemon
// answers, the harness's containers.
func TakeSnapshot(ctx context.Context) (Snapshot, error) {
	procs, err := Processes()
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	listen, err := ListeningSockets()
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	cs, docker, err := HarnessContainers(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	return Snapshot{Procs: procs, Listen: listen, Docker: docker, Containers: cs}, nil
}

// Child identifies the run a leak check is about.
type Child struct {
	// PID is the process ID of the child the run started (the steps test binary).
	PID int
	// EnvMarker is an environment entry ("TMPDIR=/tmp/x") every process of the run inherits.
	EnvMarker string
	// TempDir is the child's TMPDIR; it must be empty after the run.
	TempDir string
}

// Leaks is what a run left behind. Foreign lists what appeared during the run but
// belongs to other users of a shared machine (a live parent outside the run): it is
// reported, not counted.
type Leaks struct {
	Processes  []string `json:"processes,omitempty"`
	Ports      []string `json:"ports,omitempty"`
	Containers []string `json:"containers,omitempty"`
	TempFiles  []string `json:"temp_files,omitempty"`
	Foreign    []string `json:"foreign,omitempty"`
	// DockerChecked is true when a Docker daemon answered, so containers were compared.
	DockerChecked bool `json:"docker_checked"`
}

// Count is the number of leaked things (Foreign excluded).
func (l Leaks) Count() int {
	return len(l.Processes) + len(l.Ports) + len(l.Containers) + len(l.TempFiles)
}

// Leftovers compares the snapshots taken before and after the child's run (after it
// exited) and returns what the run left behind:
//   - a process is the run's when its environment holds EnvMarker, its parent chain
//     reaches Child.PID or its process group is Child.PID; a harness-looking process
//     (IsHarnessProcess) that was not there before is the run's too unless a live parent
//     chain ties it to another process (then it is Foreign);
//   - a listening socket is leaked when it is new and its owner is the run's or unknown;
//   - a harness container is leaked when it is new and its pid label is Child.PID (other
//     new ones are Foreign);
//   - every entry of Child.TempDir is leaked.
func Leftovers(before, after Snapshot, c Child) Leaks {
	l := Leaks{DockerChecked: before.Docker && after.Docker}
	self := map[int]bool{}
	for pid := os.Getpid(); pid > 1; {
		self[pid] = true
		p, ok := after.Procs[pid]
		if !ok {
			break
		}
		pid = p.PPID
	}
	owner := map[uint64]Process{}
	ours := map[int]bool{}
	for _, pid := range sortedPIDs(after.Procs) {
		p := after.Procs[pid]
		for _, ino := range p.sockets {
			owner[ino] = p
		}
		if self[pid] {
			continue
		}
		prev, existed := before.Procs[pid]
		isNew := !existed || prev.Cmdline != p.Cmdline
		switch {
		case (c.EnvMarker != "" && p.HasEnv(c.EnvMarker)) || descendsFrom(after.Procs, pid, c.PID) || p.PGID == c.PID:
			ours[pid] = true
			l.Processes = append(l.Processes, p.String())
		case isNew && IsHarnessProcess(p.Cmdline):
			if parent, ok := after.Procs[p.PPID]; ok && p.PPID > 1 && !self[p.PPID] {
				l.Foreign = append(l.Foreign, fmt.Sprintf("%s (parent %s)", p, parent))
				continue
			}
			ours[pid] = true
			l.Processes = append(l.Processes, p.String())
		}
	}
	for _, key := range sortedKeys(after.Listen) {
		if _, existed := before.Listen[key]; existed {
			continue
		}
		p, known := owner[after.Listen[key]]
		desc := key + " (port " + strconv.Itoa(PortOf(key)) + ")"
		switch {
		case !known:
			l.Ports = append(l.Ports, desc+", owner unknown")
		case ours[p.PID]:
			l.Ports = append(l.Ports, desc+", held by "+p.String())
		default:
			l.Foreign = append(l.Foreign, desc+", held by "+p.String())
		}
	}
	seen := map[string]bool{}
	for _, ct := range before.Containers {
		seen[ct.ID] = true
	}
	for _, ct := range after.Containers {
		if seen[ct.ID] {
			continue
		}
		desc := fmt.Sprintf("container %s %s (%s, pid label %s)", short(ct.ID), ct.Name, ct.State, ct.PID)
		if ct.PID == strconv.Itoa(c.PID) {
			l.Containers = append(l.Containers, desc)
		} else {
			l.Foreign = append(l.Foreign, desc)
		}
	}
	if c.TempDir != "" {
		entries, err := os.ReadDir(c.TempDir)
		if err != nil && !os.IsNotExist(err) {
			l.TempFiles = append(l.TempFiles, fmt.Sprintf("%s: %v", c.TempDir, err))
		}
		for _, e := range entries {
			l.TempFiles = append(l.TempFiles, filepath.Join(c.TempDir, e.Name()))
		}
	}
	return l
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func sortedPIDs(m map[int]Process) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func sortedKeys(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
