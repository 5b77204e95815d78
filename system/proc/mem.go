package proc

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Mem is what /proc/<pid>/status says about a process's resident memory, in bytes.
type Mem struct {
	// RSS is the resident set now (VmRSS); HWM its high-water mark since the process
	// started (VmHWM), kept by the kernel, so no peak between two samples is missed.
	RSS, HWM int64
}

// ReadMem reads VmRSS and VmHWM of process pid from /proc/<pid>/status. A process that
// exited (or a zombie, which has no memory lines) is an error.
func ReadMem(pid int) (Mem, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Mem{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	defer f.Close()
	m, err := parseMem(f)
	if err != nil {
		return Mem{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	return m, nil
}

// parseMem reads VmRSS and VmHWM (kB in the file) from the text of /proc/<pid>/status.
func parseMem(r io.Reader) (Mem, error) {
	var m Mem
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("%s line %q is not \"<n> kB\"", key, rest)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS = n << 10
		} else {
			m.HWM = n << 10
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found != 2 {
		return m, fmt.Errorf("VmRSS or VmHWM missing (has the process exited?)")
	}
	return m, nil
}
