package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

// The retry policy of reference/backoff's doc, as the harness's own numbers: they are
// not read from the package under test, so a defect there cannot move the expectation.
const (
	policyMin = 250 * time.Millisecond // delay before the first retry, before jitter
	policyMax = 30 * time.Second       // cap of the delay, before jitter
	// roundWindow groups the connections of one retry round: the reference counts the
	// failures of 100 ms as one step of its backoff (a burst of dials failing together).
	roundWindow = 100 * time.Millisecond
	// acceptResolution is how late the harness's listener may note a connection after
	// the exporter made it (scheduling on a loaded machine); a gap is judged with it.
	acceptResolution = 20 * time.Millisecond
	// roundSlack is what a round itself may take beyond its backoff delay (dial, reset,
	// the client noticing): the most a gap may exceed the cap.
	roundSlack = time.Second
	// firstJudgedGap is the first gap whose floor is judged: the floor is 1 s from there
	// on, far above the harness's resolution.
	firstJudgedGap = 4
)

// policyBounds is the retry policy the exporter was configured with.
type policyBounds struct{ min, max time.Duration }

// floor is the least delay the policy allows before retry round k+1 after k rounds
// failed in a row: half of min·2^(k-1), capped at max.
func (p policyBounds) floor(k int) time.Duration {
	d := p.min
	for i := 1; i < k && d < p.max; i++ {
		d *= 2
	}
	return min(d, p.max) / 2
}

// policyFromEnv returns the policy an exporter started with env uses: the doc's
// defaults unless KAFKA_BACKOFF_MIN or KAFKA_BACKOFF_MAX say otherwise.
func policyFromEnv(env map[string]string) (policyBounds, error) {
	mn, err := durationEnv(env, "KAFKA_BACKOFF_MIN", policyMin)
	if err != nil {
		return policyBounds{}, err
	}
	mx, err := durationEnv(env, "KAFKA_BACKOFF_MAX", policyMax)
	return policyBounds{mn, mx}, err
}

func durationEnv(env map[string]string, key string, def time.Duration) (time.Duration, error) {
	v, ok := env[key]
	if !ok {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("exporter env %s: %w", key, err)
	}
	return d, nil
}

// rounds groups connection times (in order) into retry rounds: a round is its first
// connection and every one within roundWindow of it. It returns each round's start.
func rounds(times []time.Time) []time.Time {
	var out []time.Time
	for _, t := range times {
		if len(out) == 0 || t.Sub(out[len(out)-1]) >= roundWindow {
			out = append(out, t)
		}
	}
	return out
}

// retriesPaced judges a window of seconds since the exporter was pointed at the
// address, on the connections the harness's listener accepted: at most maxConns of them
// (a storm bound), and their rounds paced by the policy: from the fourth gap on, gap k
// is at least the floor after k failed rounds; every gap, and the time from the last
// round to the window's end, is at most the cap plus roundSlack (the exporter keeps
// trying). Every problem found is reported together, so a defect fails here whichever
// it shows first. The exporter's own attempt counter is shown beside, never judged.
func retriesPaced(ctx context.Context, seconds, maxConns int) error {
	w := world(ctx)
	st := state[addressState](w)
	conns, end, err := st.connsInWindow(ctx, seconds)
	if err != nil {
		return err
	}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	own, ownErr := scrape(ctx, exp.Addr())
	w.rec.Evidence(evidence.During, evidence.KindNote, "connections at the broker address", map[string]any{
		"window_seconds": seconds, "connections_at_harness_listener": len(conns), "connection_times": offsets(conns, st.started),
		"exporter_says_connect_attempts": own["dashstream_exporter_kafka_connect_attempts_total"], "exporter_scrape_error": errString(ownErr)})
	var problems []string
	if len(conns) > maxConns {
		problems = append(problems, fmt.Sprintf("%d connections in %d s, at most %d allowed: a retry storm", len(conns), seconds, maxConns))
	}
	rs := rounds(conns)
	var lines []string
	for k := 1; k < len(rs); k++ {
		gap, fl := rs[k].Sub(rs[k-1]), st.policy.floor(k)
		lines = append(lines, fmt.Sprintf("round %d at %.2fs: gap %.2fs, floor %.2fs, cap %.0fs", k+1, rs[k].Sub(st.started).Seconds(), gap.Seconds(), fl.Seconds(), st.policy.max.Seconds()))
		if k >= firstJudgedGap && gap+acceptResolution < fl {
			problems = append(problems, fmt.Sprintf("round %d came %.2f s after round %d, below the backoff floor %.2f s after %d failed rounds", k+1, gap.Seconds(), k, fl.Seconds(), k))
		}
		if gap > st.policy.max+roundSlack {
			problems = append(problems, fmt.Sprintf("round %d came %.2f s after round %d, beyond the cap %s", k+1, gap.Seconds(), k, st.policy.max))
		}
	}
	if len(rs) > 0 {
		if idle := end.Sub(rs[len(rs)-1]); idle > st.policy.max+roundSlack {
			problems = append(problems, fmt.Sprintf("no round for %.2f s before the window's end, beyond the cap %s: the exporter stopped trying", idle.Seconds(), st.policy.max))
		}
	}
	w.rec.Text(evidence.During, evidence.KindNote, "retry rounds at the broker address", strings.Join(lines, "\n"))
	if len(rs) < firstJudgedGap+1 {
		problems = append(problems, fmt.Sprintf("%d retry rounds, too few to judge the backoff (at least %d): the exporter is hardly trying", len(rs), firstJudgedGap+1))
	}
	if len(problems) > 0 {
		return fmt.Errorf("the retries at the broker address break the backoff policy (min %s, cap %s): %s\nrounds:\n%s",
			st.policy.min, st.policy.max, strings.Join(problems, "; "), strings.Join(lines, "\n"))
	}
	return nil
}

// within returns the times in [from, to].
func within(times []time.Time, from, to time.Time) []time.Time {
	var out []time.Time
	for _, t := range times {
		if !t.Before(from) && !t.After(to) {
			out = append(out, t)
		}
	}
	return out
}

// offsets returns each time as seconds since start, rounded to 10 ms.
func offsets(times []time.Time, start time.Time) []float64 {
	out := make([]float64, len(times))
	for i, t := range times {
		out[i] = float64(t.Sub(start).Round(10*time.Millisecond).Milliseconds()) / 1000
	}
	return out
}

// connsInWindow waits out the observation window of seconds and returns the connections
// the harness's listener at the address accepted in it, and the window's end.
func (st *addressState) connsInWindow(ctx context.Context, seconds int) ([]time.Time, time.Time, error) {
	end, err := st.window(ctx, seconds)
	if err != nil {
		return nil, end, err
	}
	all, ok := st.acceptTimes()
	if !ok {
		return nil, end, fmt.Errorf("the address %s has no harness listener: nothing sees its connections", st.kind)
	}
	return within(all, st.started, end), end, nil
}
