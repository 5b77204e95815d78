package delivery

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dashstream/acceptance/soak/internal/measurecmd"
)

// options are the command-line settings.
type options struct {
	json             string
	duration         time.Duration
	interval, down   time.Duration
	brokers          int
	partitions       int
	writers          int
	inFlight         int
	rate             float64
	victim           string
	flush, drainWait time.Duration
	startTimeout     time.Duration
	seed             uint64
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("delivery", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.json, "json", "", "write the figures as JSON to this file")
	fs.DurationVar(&o.duration, "duration", 5*time.Minute, "how long the writers produce and the nemesis kills")
	fs.DurationVar(&o.interval, "interval", 20*time.Second, "time from a restart being done to the next kill")
	fs.DurationVar(&o.down, "down", 0, "how long a killed broker stays down before its restart")
	fs.IntVar(&o.brokers, "brokers", 1, "brokers (3: replication factor 3, min.insync.replicas 2)")
	fs.IntVar(&o.partitions, "partitions", 3, "partitions of the topic")
	fs.IntVar(&o.writers, "threads", 6, "writer goroutines, one DashStream thread each")
	fs.IntVar(&o.inFlight, "in-flight", 16, "sends without an outcome allowed per writer")
	fs.Float64Var(&o.rate, "rate", 200, "sends per second per writer (0: as fast as -in-flight allows)")
	fs.StringVar(&o.victim, "victim", victimLeader, "with several brokers, kill the leader of a random partition (leader) or any broker (random)")
	fs.DurationVar(&o.flush, "flush", 60*time.Second, "after the run, how long sends in flight may take to resolve")
	fs.DurationVar(&o.drainWait, "drain-timeout", 2*time.Minute, "bound on the final drain")
	fs.DurationVar(&o.startTimeout, "start-timeout", 2*time.Minute, "bound on starting the cluster and on each broker restart (raise it on a loaded machine)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the victim choice (0: from the clock)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", fs.Arg(0))
	case o.duration <= 0 || o.interval <= 0 || o.down < 0:
		return o, fmt.Errorf("-duration and -interval must be positive, -down 0 or more")
	case o.interval >= o.duration:
		return o, fmt.Errorf("-interval %s must be shorter than -duration %s, or nothing is killed", o.interval, o.duration)
	case o.brokers < 1 || o.brokers == 2:
		return o, fmt.Errorf("-brokers %d: use 1, or 3 or more (2 brokers lose the KRaft quorum with one down)", o.brokers)
	case o.partitions < 1 || o.writers < 1 || o.inFlight < 1 || o.rate < 0:
		return o, fmt.Errorf("-partitions, -threads and -in-flight must be >= 1, -rate >= 0")
	case o.victim != victimLeader && o.victim != victimRandom:
		return o, fmt.Errorf("-victim %q: use %s or %s", o.victim, victimLeader, victimRandom)
	case o.flush <= 0 || o.drainWait <= 0 || o.startTimeout <= 0:
		return o, fmt.Errorf("-flush, -drain-timeout and -start-timeout must be positive")
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	return o, nil
}

// Command is the delivery measurement as a command (flags, a JSON file, the exit code of
// package measurecmd); soak/cmd/dsdelivery runs it.
func Command() measurecmd.Command[options, *Result] {
	return measurecmd.Command[options, *Result]{
		Name:    "delivery",
		Parse:   parseFlags,
		JSON:    func(o options) string { return o.json },
		Measure: measure,
		Failed:  func(err error) *Result { return &Result{Error: err.Error()} },
		OK:      func(r *Result) bool { return r.OK },
		Print:   printSummary,
	}
}
