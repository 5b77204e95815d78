package wsload

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dashstream/acceptance/soak/internal/measurecmd"
)

// options are the command-line settings.
type options struct {
	json                 string
	duration, warmup     time.Duration
	drain                time.Duration
	clients, slow        int
	tenants, threads     int
	rate                 float64
	disconnectAfterDrops int
	queueSize            int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("wsload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.json, "json", "", "write the figures as JSON to this file")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "measurement window (production time)")
	fs.DurationVar(&o.warmup, "warmup", 0, "start of the window left out of the memory bound (default a quarter of -duration)")
	fs.DurationVar(&o.drain, "drain", 15*time.Second, "after the window, how long fast clients may take to receive the last acked frames")
	fs.IntVar(&o.clients, "clients", 500, "concurrent WebSocket clients")
	fs.IntVar(&o.slow, "slow", 10, "slow clients among them (half read one frame per second, half stop reading)")
	fs.IntVar(&o.tenants, "tenants", 5, "tenants; clients are spread over them round-robin")
	fs.IntVar(&o.threads, "threads", 4, "DashStream threads per tenant")
	fs.Float64Var(&o.rate, "rate", 20, "messages per second per tenant")
	fs.IntVar(&o.disconnectAfterDrops, "disconnect-after-drops", 0, "server policy: cut a client after n dropped frames (0 = the server's default, never)")
	fs.IntVar(&o.queueSize, "queue-size", 256, "server policy: frames queued per client")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.warmup == 0 {
		o.warmup = o.duration / 4
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", fs.Arg(0))
	case o.duration < 10*time.Second:
		return o, fmt.Errorf("-duration %s is too short to judge memory: give 10s or more", o.duration)
	case o.warmup >= o.duration:
		return o, fmt.Errorf("-warmup %s must be shorter than -duration %s", o.warmup, o.duration)
	case o.clients < 1 || o.slow < 0 || o.slow >= o.clients:
		return o, fmt.Errorf("-clients %d and -slow %d: need at least one fast client", o.clients, o.slow)
	case o.tenants < 1 || o.threads < 1 || o.rate <= 0 || o.rate > 1000:
		return o, fmt.Errorf("-tenants, -threads must be >= 1 and -rate in (0, 1000]")
	case o.queueSize < 1 || o.disconnectAfterDrops < 0:
		return o, fmt.Errorf("-queue-size must be >= 1 and -disconnect-after-drops >= 0")
	}
	return o, nil
}

// Command is the wsload measurement as a command (flags, a JSON file, the exit code of
// package measurecmd); soak/cmd/dswsload runs it.
func Command() measurecmd.Command[options, *Result] {
	return measurecmd.Command[options, *Result]{
		Name:    "wsload",
		Parse:   parseFlags,
		JSON:    func(o options) string { return o.json },
		Measure: measure,
		Failed:  func(err error) *Result { return &Result{Error: err.Error()} },
		OK:      func(r *Result) bool { return r.OK },
		Print:   printSummary,
	}
}
