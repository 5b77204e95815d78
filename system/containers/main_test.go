package containers

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestMain removes what earlier, interrupted runs of these tests left behind (their
// process is gone, so Sweep takes them), when a daemon answers.
func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	if Available(ctx) == nil {
		if n, err := Sweep(ctx); err != nil || n > 0 {
			fmt.Fprintf(os.Stderr, "containers: swept %d leftover resources of earlier runs (err: %v)\n", n, err)
		}
	}
	cancel()
	os.Exit(m.Run())
}
