package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

// healthEvery is how often a healthWatch samples /health: often enough to see a
// half-open breaker that probes every half second.
const healthEvery = 50 * time.Millisecond

// healthSample is one look at the WebSocket server's /health.
type healthSample struct {
	At          time.Time
	Status      string
	Breaker     string
	Consecutive int
	Probes      int
}

func (s healthSample) String() string {
	return fmt.Sprintf("%s %s, breaker %s (%d failures in a row, %d probes)", s.At.UTC().Format("15:04:05.000"), s.Status, s.Breaker, s.Consecutive, s.Probes)
}

// healthWatch samples /health for the whole scenario into a timeline; a /health that
// lacks a field the breaker steps judge is a problem, not a zero.
type healthWatch struct {
	mu      sync.Mutex
	samples []healthSample
	bad     error
}

// watchHealth starts sampling the server at addr until the scenario ends, and leaves
// the timeline's transitions as evidence.
func watchHealth(w *World, addr string) *healthWatch {
	hw := &healthWatch{}
	// The scenario's World goes with the sampler: /health is read through its SUT profile.
	ctx, cancel := context.WithCancel(withWorld(context.Background(), w))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			s, err := sampleHealth(ctx, addr)
			hw.mu.Lock()
			switch {
			case err == nil:
				hw.samples = append(hw.samples, s)
			case hw.bad == nil && ctx.Err() == nil && strings.HasPrefix(err.Error(), "/health lacks"):
				hw.bad = err
			}
			hw.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(healthEvery):
			}
		}
	}()
	w.onCleanup("health watch", func(context.Context) error {
		cancel()
		<-done
		w.rec.Evidence(evidence.After, evidence.KindHealth, "/health timeline (changes)", hw.transitions())
		return nil
	})
	return hw
}

// sampleHealth reads the fields of /health the timeline keeps; a missing one is an error.
func sampleHealth(ctx context.Context, addr string) (healthSample, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	raw, err := readHealth(ctx, addr)
	if err != nil {
		return healthSample{}, err
	}
	at := time.Now()
	var h struct {
		Status  *string `json:"status"`
		Breaker *struct {
			State       *string `json:"state"`
			Consecutive *int    `json:"consecutive_failures"`
			Probes      *int    `json:"successful_probes"`
		} `json:"circuit_breaker"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return healthSample{}, fmt.Errorf("/health: %w", err)
	}
	switch {
	case h.Status == nil:
		return healthSample{}, fmt.Errorf("/health lacks status")
	case h.Breaker == nil:
		return healthSample{}, fmt.Errorf("/health lacks circuit_breaker")
	case h.Breaker.State == nil || h.Breaker.Consecutive == nil || h.Breaker.Probes == nil:
		return healthSample{}, fmt.Errorf("/health lacks circuit_breaker.state, consecutive_failures or successful_probes")
	}
	return healthSample{At: at, Status: *h.Status, Breaker: *h.Breaker.State, Consecutive: *h.Breaker.Consecutive, Probes: *h.Breaker.Probes}, nil
}

// problem returns the first malformed /health seen.
func (hw *healthWatch) problem() error {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	return hw.bad
}

func (hw *healthWatch) all() []healthSample {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	return append([]healthSample(nil), hw.samples...)
}

// last returns the latest sample (zero before the first).
func (hw *healthWatch) last() healthSample {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	if len(hw.samples) == 0 {
		return healthSample{}
	}
	return hw.samples[len(hw.samples)-1]
}

// first returns the earliest sample for which ok holds.
func (hw *healthWatch) first(ok func(healthSample) bool) (healthSample, bool) {
	for _, s := range hw.all() {
		if ok(s) {
			return s, true
		}
	}
	return healthSample{}, false
}

// transitions lists the samples where the status or the breaker's state changed.
func (hw *healthWatch) transitions() string {
	var out []string
	var prev healthSample
	for i, s := range hw.all() {
		if i == 0 || s.Status != prev.Status || s.Breaker != prev.Breaker {
			out = append(out, s.String())
		}
		prev = s
	}
	return strings.Join(out, "; ")
}

// path returns the breaker's states between from and to, each once per run, joined by
// arrows ("open → half_open → closed").
func (hw *healthWatch) path(from, to time.Time) string {
	var states []string
	for _, s := range hw.all() {
		if s.At.Before(from) || s.At.After(to) {
			continue
		}
		if len(states) == 0 || states[len(states)-1] != s.Breaker {
			states = append(states, s.Breaker)
		}
	}
	return strings.Join(states, " → ")
}
