package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/dashstream/acceptance/system/proc"
)

// GoBench is one result line of `go test -bench`: the benchmark's name without its
// -GOMAXPROCS suffix, its iteration count and its metrics by unit ("ns/op",
// "allocs/op", "B/thread").
type GoBench struct {
	Name       string
	Iterations int64
	Metrics    map[string]float64
}

// procsSuffix is the -N that go test appends to a benchmark name (GOMAXPROCS).
var procsSuffix = regexp.MustCompile(`-\d+$`)

// ParseGoBench reads `go test -bench` output and returns its result lines in order; other
// lines (goos, pkg, PASS, ok) are skipped. A line that starts with "Benchmark" and has a
// tab-separated iteration count but malformed metrics is an error.
func ParseGoBench(r io.Reader) ([]GoBench, error) {
	var out []GoBench
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue // a benchmark's name printed alone, before its -v output
		}
		iters, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue // "BenchmarkX ... --- FAIL" and similar lines
		}
		rest := fields[2:]
		if len(rest)%2 != 0 {
			return nil, fmt.Errorf("parse benchmark line %q: metrics are not value/unit pairs", line)
		}
		b := GoBench{Name: procsSuffix.ReplaceAllString(fields[0], ""), Iterations: iters, Metrics: map[string]float64{}}
		for i := 0; i < len(rest); i += 2 {
			v, err := strconv.ParseFloat(rest[i], 64)
			if err != nil {
				return nil, fmt.Errorf("parse benchmark line %q: %q is not a number", line, rest[i])
			}
			b.Metrics[rest[i+1]] = v
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse benchmarks: %w", err)
	}
	return out, nil
}

// Samples returns the values of one metric of the benchmark called name, in order (one
// per -count repetition).
func Samples(bs []GoBench, name, unit string) []float64 {
	var out []float64
	for _, b := range bs {
		if v, ok := b.Metrics[unit]; ok && b.Name == name {
			out = append(out, v)
		}
	}
	return out
}

// RunGoBench runs `go test -run '^$' -bench pattern -count count` on pkg in dir and
// parses its output. A failing benchmark is an error that ends with the output's tail.
func RunGoBench(ctx context.Context, dir, pkg, pattern string, count int) ([]GoBench, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern,
		"-count", strconv.Itoa(count), pkg)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, pkg, err, proc.LastLines(buf.String(), 20))
	}
	bs, err := ParseGoBench(&buf)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("go test -bench %s %s: no benchmark matched", pattern, pkg)
	}
	return bs, nil
}
