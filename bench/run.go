package bench

import (
	"syscall"
	"time"
)

// Run is one timed transfer of Records records carrying Bytes bytes of values.
type Run struct {
	Records int
	Bytes   int64
	Elapsed time.Duration
	// Requests, RequestBytes and RequestTime describe the produce requests of the
	// reference producer (write to response, summed); zero for kcat.
	Requests, RequestBytes int64
	RequestTime            time.Duration
	// CPU is the CPU time (user + system) the client used: for kcat its process, for a
	// reference client this whole process during the run (franz-go's goroutines and the
	// garbage collector included).
	CPU time.Duration
}

// CPUMicrosPerRecord is CPU divided by Records, in microseconds: a figure that depends
// much less on other load than records/s.
func (r Run) CPUMicrosPerRecord() float64 {
	if r.Records == 0 {
		return 0
	}
	return float64(r.CPU.Microseconds()) / float64(r.Records)
}

// RecordsPerSec is Records divided by Elapsed.
func (r Run) RecordsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Records) / r.Elapsed.Seconds()
}

// MeanValueBytes is Bytes divided by Records.
func (r Run) MeanValueBytes() float64 {
	if r.Records == 0 {
		return 0
	}
	return float64(r.Bytes) / float64(r.Records)
}

// MeanRequestKiB is the mean size of a produce request in KiB.
func (r Run) MeanRequestKiB() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.RequestBytes) / float64(r.Requests) / 1024
}

// MeanRequestMillis is the mean time from writing a produce request to its response, in ms.
func (r Run) MeanRequestMillis() float64 {
	if r.Requests == 0 {
		return 0
	}
	return r.RequestTime.Seconds() * 1000 / float64(r.Requests)
}

// selfCPU returns the CPU time (user + system) this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
