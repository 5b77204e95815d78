// Command dsinstall installs the pinned monitoring tools into the bin directory
// (`<repo root>/.bin`, or $DASHSTREAM_BIN_DIR) and prints their paths.
//
// Usage:
//
//	go run ./system/tools/cmd/dsinstall [prometheus] [promtool] [alertmanager] [amtool]
//
// With no arguments it installs every pinned tool. Tools are installed one after another:
// parallel builds only compete for the CPU.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/system/tools"
)

func main() {
	names := os.Args[1:]
	if len(names) == 0 {
		names = tools.Names()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 45*time.Minute)
	defer cancel()
	in, err := tools.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dsinstall:", err)
		os.Exit(1)
	}
	for _, name := range names {
		path, err := in.Ensure(ctx, name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dsinstall:", err)
			os.Exit(1)
		}
		fmt.Printf("%s\t%s\t%s\n", name, path, in.Installed(name))
	}
}
