package backoff

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Defaults of a Policy.
const (
	// DefaultMin is the delay before the first retry (before jitter).
	DefaultMin = 250 * time.Millisecond
	// DefaultMax caps the delay (before jitter).
	DefaultMax = 30 * time.Second
)

// Opt configures a Policy.
type Opt interface{ apply(*Policy) }

type opt func(*Policy)

func (o opt) apply(p *Policy) { o(p) }

// Min sets the delay before the first retry. Default DefaultMin; values below 1 ms are
// raised to 1 ms.
func Min(d time.Duration) Opt { return opt(func(p *Policy) { p.min = d }) }

// Max caps the delay. Default DefaultMax; a Max below Min is raised to Min.
func Max(d time.Duration) Opt { return opt(func(p *Policy) { p.max = d }) }

// Rand sets the source of jitter: a function returning a float in [0, 1). Default a
// private math/rand/v2 generator. Tests pass a constant to get exact delays.
func Rand(fn func() float64) Opt { return opt(func(p *Policy) { p.rand = fn }) }

// Policy is capped exponential backoff with "equal jitter": the delay before attempt n
// (n >= 1) is d/2 + rand·d/2 where d = Min·2^(n-1) capped at Max. The lower bound d/2
// is what bounds a retry rate: after n failures in a row, the next attempt is at least
// Min·2^(n-2) (capped at Max/2) away. A Policy is safe for concurrent use.
type Policy struct {
	min, max time.Duration
	mu       sync.Mutex
	rand     func() float64
}

// New returns a Policy, DefaultMin to DefaultMax unless opts say otherwise.
func New(opts ...Opt) *Policy {
	p := &Policy{min: DefaultMin, max: DefaultMax}
	for _, o := range opts {
		o.apply(p)
	}
	p.min = max(p.min, time.Millisecond)
	p.max = max(p.max, p.min)
	if p.rand == nil {
		r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		p.rand = r.Float64
	}
	return p
}

// Ceiling returns the delay before attempt n without jitter: Min·2^(n-1) capped at Max,
// 0 for n <= 0.
func (p *Policy) Ceiling(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := p.min
	for i := 1; i < n && d < p.max; i++ {
		d *= 2
	}
	return min(d, p.max)
}

// Delay returns the jittered delay before attempt n: between Ceiling(n)/2 and
// Ceiling(n). It is 0 for n <= 0.
func (p *Policy) Delay(n int) time.Duration {
	d := p.Ceiling(n)
	p.mu.Lock()
	r := p.rand()
	p.mu.Unlock()
	return d/2 + time.Duration(r*float64(d/2))
}

// MinMax returns the policy's bounds.
func (p *Policy) MinMax() (time.Duration, time.Duration) { return p.min, p.max }
