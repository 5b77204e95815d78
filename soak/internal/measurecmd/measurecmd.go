package measurecmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/dashstream/acceptance/system/proc"
)

// The exit codes of a measuring command.
const (
	// ExitOK: every invariant held.
	ExitOK = 0
	// ExitInvariant: an invariant is broken.
	ExitInvariant = 1
	// ExitSetup: the run could not be made.
	ExitSetup = 2
)

// Command describes a measuring command. O is its parsed options, R its result.
type Command[O, R any] struct {
	// Name prefixes its error lines ("wsload").
	Name string
	// Parse parses the arguments; flag.ErrHelp means -h was asked for.
	Parse func(args []string, stderr io.Writer) (O, error)
	// JSON returns the -json path of the options ("" for none).
	JSON func(O) string
	// Measure makes the run; progress goes to stderr.
	Measure func(ctx context.Context, o O, stderr io.Writer) (R, error)
	// Failed returns the result to write when the run could not be made.
	Failed func(err error) R
	// OK reports whether every invariant held.
	OK func(R) bool
	// Print writes the human summary.
	Print func(w io.Writer, r R)
}

// Main runs c with the process's arguments, ends every child process it started, and
// exits. SIGINT and SIGTERM cancel the measurement.
func Main[O, R any](c Command[O, R]) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, c, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	proc.KillAll()
	os.Exit(code)
}

// Run runs c with args and returns the exit code.
func Run[O, R any](ctx context.Context, c Command[O, R], args []string, stdout, stderr io.Writer) int {
	o, err := c.Parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", c.Name, err)
		return ExitSetup
	}
	path := c.JSON(o)
	r, err := c.Measure(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", c.Name, err)
		if path != "" { // the runner folds the reason in
			_ = WriteJSON(path, c.Failed(err))
		}
		return ExitSetup
	}
	c.Print(stdout, r)
	if path != "" {
		if err := WriteJSON(path, r); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", c.Name, err)
			return ExitSetup
		}
	}
	if !c.OK(r) {
		fmt.Fprintf(stderr, "%s: an invariant is broken (see FAIL above)\n", c.Name)
		return ExitInvariant
	}
	return ExitOK
}

// WriteJSON writes v to path, indented.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
