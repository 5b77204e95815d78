package wsserver

import "time"

// windowBuckets is the resolution of a sliding window: counts older than the window
// drop out one bucket (window/60) at a time.
const windowBuckets = 60

// window counts events over a sliding time window in fixed buckets. Not safe for
// concurrent use.
type window struct {
	width   time.Duration // of one bucket
	buckets [windowBuckets]uint64
	epoch   [windowBuckets]int64 // the bucket index (time / width) each slot holds
}

func newWindow(d time.Duration) *window {
	return &window{width: max(d/windowBuckets, time.Millisecond)}
}

func (w *window) slot(now time.Time) (int, int64) {
	idx := now.UnixNano() / int64(w.width)
	return int(idx % windowBuckets), idx
}

// add counts n events at now.
func (w *window) add(now time.Time, n uint64) {
	i, idx := w.slot(now)
	if w.epoch[i] != idx {
		w.epoch[i], w.buckets[i] = idx, 0
	}
	w.buckets[i] += n
}

// sum returns the events counted in the window ending at now.
func (w *window) sum(now time.Time) uint64 {
	_, idx := w.slot(now)
	var s uint64
	for i := range windowBuckets {
		if e := w.epoch[i]; e > idx-windowBuckets && e <= idx {
			s += w.buckets[i]
		}
	}
	return s
}
