package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// runChild runs name args in dir with the config's environment, writing its combined
// output to logPath (and to the config's Log writer). It returns the exit code (-1 when
// the child could not start or was killed by a signal other than a clean exit) and the
// error of the run, if any other than a non-zero exit. When ctx ends the child gets
// SIGINT and, a minute later, SIGKILL.
func runChild(ctx context.Context, c config, dir, logPath, name string, args ...string) (int, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return -1, fmt.Errorf("log file: %w", err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return -1, fmt.Errorf("log file: %w", err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), c.env...)
	w := io.MultiWriter(logFile, c.log)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		code := exit.ExitCode()
		if ctx.Err() != nil {
			return code, fmt.Errorf("%s: stopped after %s: %w", filepath.Base(name), c.timeout, ctx.Err())
		}
		return code, nil
	default:
		return -1, fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
}
