package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/bench"
	"github.com/dashstream/acceptance/system/tools"
)

func main() {
	os.Exit(run())
}

func run() int {
	var f flags
	f.register(flag.CommandLine)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := tools.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dsbench:", err)
		return 2
	}
	r := newReport(ctx, root, f)
	only := f.sections()
	if only["throughput"] {
		throughput(ctx, r, root, f)
	}
	if only["validator"] {
		validator(ctx, r, root, f)
	}
	if only["side"] {
		sideBySide(ctx, r, root, f)
	}
	if only["alert"] || only["recovery"] {
		embedded(ctx, r, f, only)
	}
	r.Finished = time.Now().UTC()
	r.Machine.LoadEnd = bench.LoadAvg()
	r.Machine.BusyEnd = bench.Busiest(ctx, 6)
	r.Judge()
	_ = r.WriteTable(os.Stdout)
	path, err := r.Write(f.outDir(root))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dsbench:", err)
		return 1
	}
	fmt.Println("\nreport:", path)
	if len(r.Failures) > 0 {
		fmt.Fprintf(os.Stderr, "dsbench: %d measurement(s) failed\n", len(r.Failures))
		return 1
	}
	return 0
}

// progress prints a timestamped line to stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// logWriter prefixes each written line with the time, for library progress output.
type logWriter struct{}

func (logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		progress("%s", line)
	}
	return len(p), nil
}
