package proc

import "strings"

// LastLines returns the last n lines of s (a process's output), without the trailing
// newline: the one way the harness shortens output for an error message or a report.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if n >= 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
