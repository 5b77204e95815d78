package envcfg

import (
	"os"
	"runtime/debug"
)

// MemoryLimitFor sets the Go runtime's soft memory limit to the decode budget plus
// 64 MiB (room for the decompression buffers in flight and the service's own state),
// unless GOMEMLIMIT is set, which then wins. It returns the limit in force (math.MaxInt64
// for none). The collector then works harder near the limit instead of letting the heap
// double: a service's resident memory follows its budget, not the collector's headroom.
func MemoryLimitFor(budget int64) int64 {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return debug.SetMemoryLimit(-1)
	}
	limit := budget + 64<<20
	debug.SetMemoryLimit(limit)
	return limit
}
