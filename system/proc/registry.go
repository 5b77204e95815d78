package proc

import "sync"

var live = struct {
	sync.Mutex
	procs map[*Process]struct{}
}{procs: map[*Process]struct{}{}}

func track(p *Process) {
	live.Lock()
	defer live.Unlock()
	live.procs[p] = struct{}{}
}

func untrack(p *Process) {
	live.Lock()
	defer live.Unlock()
	delete(live.procs, p)
}

// Live returns the processes started by this package that have not exited yet.
func Live() []*Process {
	live.Lock()
	defer live.Unlock()
	out := make([]*Process, 0, len(live.procs))
	for p := range live.procs {
		out = append(out, p)
	}
	return out
}

// KillAll kills every process started by this package that is still running and waits
// for each to be reaped. The suite's interrupt handler calls it.
func KillAll() {
	for _, p := range Live() {
		_ = p.Kill()
	}
}
