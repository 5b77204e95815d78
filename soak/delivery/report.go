package delivery

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// Result is everything one run measured; it is written as JSON with -json.
type Result struct {
	// The top-level scalars are the headline (a summary table shows them); the objects
	// hold the detail.
	OK           bool    `json:"ok"`
	Error        string  `json:"error,omitempty"`
	Acked        int64   `json:"acked"`
	Lost         int64   `json:"lost"`
	Duplicates   int64   `json:"duplicates"`
	Kills        int     `json:"kills"`
	MaxRecoveryS float64 `json:"max_recovery_s"`
	NotYetSeen   int64   `json:"not_yet_seen"`

	Config     Config           `json:"config"`
	Analysis   Analysis         `json:"analysis"`
	Errors     map[string]int64 `json:"produce_errors_by_message"`
	Undecoded  int64            `json:"undecodable_in_log"`
	Live       LiveVerdicts     `json:"live_consumer"`
	KillLog    []KillRec        `json:"kill_log"`
	Invariants []Check          `json:"invariants"`
	Goals      []Check          `json:"goals"`
}

// Config is what the run was asked to do and what it ran on.
type Config struct {
	Started           time.Time `json:"started"`
	DurationS         float64   `json:"duration_s"`
	IntervalS         float64   `json:"interval_s"`
	DownS             float64   `json:"down_s"`
	Brokers           int       `json:"brokers"`
	Partitions        int       `json:"partitions"`
	ReplicationFactor int       `json:"replication_factor"`
	MinInsyncReplicas int       `json:"min_insync_replicas"`
	Writers           int       `json:"writers"`
	InFlight          int       `json:"in_flight_per_writer"`
	RatePerWriter     float64   `json:"rate_per_writer"`
	Victim            string    `json:"victim"`
	Seed              uint64    `json:"seed"`
	KafkaVersion      string    `json:"kafka_version"`
}

// LiveVerdicts are the reference consumer's own sequence verdicts during the run: what
// the pipeline's consumer reported while brokers died (figures, not invariants).
type LiveVerdicts struct {
	Received   uint64 `json:"received"`
	Gaps       uint64 `json:"gaps"`
	Missing    uint64 `json:"missing_in_gaps"`
	Duplicates uint64 `json:"duplicates"`
	Reorders   uint64 `json:"reorders"`
}

// Check is one invariant or goal and its verdict.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// recoveryGoal is the longest acceptable time from a restart being done to the next ack.
const recoveryGoal = 30 * time.Second

// evaluate fills Invariants, Goals and OK.
func evaluate(r *Result) {
	a := r.Analysis
	zero := func(name string, n int64, more string) Check {
		return Check{name + " == 0", n == 0, fmt.Sprintf("%d%s", n, more)}
	}
	lostMore := ""
	if len(a.LostSample) > 0 {
		lostMore = fmt.Sprintf(" (e.g. %v)", a.LostSample)
	}
	r.Invariants = []Check{
		{"final drain read every partition to its end", a.DrainComplete, fmt.Sprintf("%d records read", a.LogRecords)},
		zero("lost (acked, not in the log)", a.Lost, lostMore),
		zero("duplicates by (thread, sequence) in the log", a.Duplicates, ""),
		zero("acked at an offset that holds another record", a.Misplaced, ""),
		zero("a thread's sequences out of order in the log", a.Reordered, ""),
		zero("a (thread, sequence) acked twice", a.AckDuplicates, ""),
		{"something was acked", a.Acked > 0, fmt.Sprintf("%d acked", a.Acked)},
		{"the nemesis killed at least once", a.Kills > 0, fmt.Sprintf("%d kills", a.Kills)},
	}
	r.OK = true
	for _, c := range r.Invariants {
		r.OK = r.OK && c.OK
	}
	var worst float64
	for _, rec := range a.Recoveries {
		worst = max(worst, rec.RecoveryS)
	}
	r.Acked, r.Lost, r.Duplicates, r.Kills, r.MaxRecoveryS, r.NotYetSeen = a.Acked, a.Lost, a.Duplicates, a.Kills, worst, a.NotYetSeen
	r.Goals = []Check{
		{fmt.Sprintf("every recovery (restart done -> first ack) <= %s", recoveryGoal), worst <= recoveryGoal.Seconds(),
			fmt.Sprintf("worst %.2f s", worst)},
		{"live consumer saw the whole log before the drain", a.NotYetSeen == 0, fmt.Sprintf("%d not yet seen", a.NotYetSeen)},
		{"no produce errors", a.ProduceErrors == 0, fmt.Sprintf("%d errors", a.ProduceErrors)},
		{"every restart was ready within -start-timeout", a.FailedRestarts == 0, fmt.Sprintf("%d of %d failed", a.FailedRestarts, a.Kills)},
	}
}

// printSummary writes the human summary.
func printSummary(w io.Writer, r *Result) {
	c, a := r.Config, r.Analysis
	fmt.Fprintf(w, "delivery: Kafka %s, %d broker(s), RF %d, min.insync %d, %d partitions; %d writers x %.0f/s (in flight <= %d); kill every %s for %s\n",
		c.KafkaVersion, c.Brokers, c.ReplicationFactor, c.MinInsyncReplicas, c.Partitions, c.Writers, c.RatePerWriter, c.InFlight,
		time.Duration(c.IntervalS*float64(time.Second)), time.Duration(c.DurationS*float64(time.Second)))
	fmt.Fprintf(w, "  acked %d (%.0f/s) of %d sends; produce errors %d; unresolved at end %d\n",
		a.Acked, a.AckedPerS, a.Attempts, a.ProduceErrors, a.Unresolved)
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, "    %6d x %s\n", r.Errors[k], k)
	}
	fmt.Fprintf(w, "  log %d records (%d undecodable); lost %d; duplicates %d; offset mismatches %d; reordered %d; in log but not acked %d\n",
		a.LogRecords, r.Undecoded, a.Lost, a.Duplicates, a.Misplaced, a.Reordered, a.UnackedInLog)
	fmt.Fprintf(w, "  live consumer: %d not yet seen before the drain; its verdicts: %d received, %d gaps (%d missing), %d duplicates, %d reorders\n",
		a.NotYetSeen, r.Live.Received, r.Live.Gaps, r.Live.Missing, r.Live.Duplicates, r.Live.Reorders)
	fmt.Fprintf(w, "  kills %d:\n", a.Kills)
	for i, rec := range a.Recoveries {
		why := ""
		if i < len(r.KillLog) {
			why = r.KillLog[i].Why
		}
		fmt.Fprintf(w, "    at %6.1f s broker %d (%s): restart %.2f s, restart done -> first ack %.2f s, ack gap %.2f s, longest partition stall %.2f s%s\n",
			rec.AtS, rec.Broker, why, rec.RestartS, rec.RecoveryS, rec.OutageAcksS, rec.StallS, errSuffix(rec))
	}
	for _, group := range []struct {
		name   string
		checks []Check
	}{{"invariant", r.Invariants}, {"goal", r.Goals}} {
		for _, ch := range group.checks {
			verdict := "ok  "
			if !ch.OK {
				verdict = "FAIL"
				if group.name == "goal" {
					verdict = "miss"
				}
			}
			fmt.Fprintf(w, "  %s %-9s %s: %s\n", verdict, group.name, ch.Name, ch.Detail)
		}
	}
}

func errSuffix(r Recovery) string {
	switch {
	case r.Err != "":
		return "; " + r.Err
	case r.NoAckAfter:
		return "; no ack between the restart and the next kill (or the end)"
	}
	return ""
}
