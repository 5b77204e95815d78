package sequence

import "math"

// defaultMaxThreads is the tracked-thread cap unless MaxThreads says otherwise.
const defaultMaxThreads = 100_000

// Opt configures a Validator. Options apply in order; a later option of the same kind
// wins.
type Opt interface{ apply(*config) }

type opt func(*config)

func (o opt) apply(c *config) { o(c) }

type config struct {
	maxThreads int
}

func defaults() config { return config{maxThreads: defaultMaxThreads} }

// MaxThreads caps how many (tenant, thread) pairs are tracked at once; beyond it the
// least recently seen thread is evicted, and reappears as First. Default 100 000. A value
// below 1 means the default; a value above math.MaxInt32 is clamped to it.
func MaxThreads(n int) Opt {
	return opt(func(c *config) {
		switch {
		case n < 1:
			c.maxThreads = defaultMaxThreads
		case n > math.MaxInt32:
			c.maxThreads = math.MaxInt32
		default:
			c.maxThreads = n
		}
	})
}
