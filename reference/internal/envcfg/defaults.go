package envcfg

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Defaults reads environment variables as flag defaults. A malformed value keeps the
// default and is noted in Problems, so a binary reports every bad setting at once.
type Defaults struct {
	// Problems lists the malformed variables, one sentence each.
	Problems []string
}

// Str returns the variable key, or def when it is unset.
func (d *Defaults) Str(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// Dur returns the variable key as a duration, or def when it is unset or blank.
func (d *Defaults) Dur(key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return def
	}
	dur, err := time.ParseDuration(v)
	if err != nil {
		d.Problems = append(d.Problems, fmt.Sprintf("%s=%q is not a duration (write it like 5s or 250ms)", key, v))
		return def
	}
	return dur
}

// Int returns the variable key as a whole number, or def when it is unset or blank.
func (d *Defaults) Int(key string, def int) int {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		d.Problems = append(d.Problems, fmt.Sprintf("%s=%q is not a whole number", key, v))
		return def
	}
	return n
}

// BrokerProblems returns a sentence for every broker address that is not host:port with a
// port from 1 to 65535.
func BrokerProblems(brokers []string) []string {
	var out []string
	for _, b := range brokers {
		_, port, err := net.SplitHostPort(b)
		n, perr := strconv.Atoi(port)
		if err != nil || perr != nil || n < 1 || n > 65535 {
			out = append(out, fmt.Sprintf("broker %q is not host:port (like kafka:9092)", b))
		}
	}
	return out
}

// UsageError is bad input or configuration: a binary exits with status 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e UsageError) Unwrap() error { return e.Err }

// ExitCode prints err as one line "name: error" on stderr and returns the exit status:
// 0 for nil, 2 for a UsageError, 1 otherwise.
func ExitCode(name string, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, strings.NewReplacer("\r", " ", "\n", " ").Replace(err.Error()))
	if errors.As(err, new(UsageError)) {
		return 2
	}
	return 1
}

// DecodeBudgetUsage is the -decode-budget flag's usage line, shared by the services.
const DecodeBudgetUsage = "most decoded bytes held at once, whatever the compression ratio"
