package proc

import (
	"bytes"
	"strings"
	"sync"
)

// ring keeps the last max lines written to it. It is an io.Writer that splits on '\n' and
// holds a trailing partial line until its newline arrives.
type ring struct {
	mu      sync.Mutex
	lines   []string
	next    int
	full    bool
	partial []byte
}

func newRing(max int) *ring { return &ring{lines: make([]string, max)} }

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data := p
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			r.partial = append(r.partial, data...)
			break
		}
		r.push(string(append(r.partial, data[:i]...)))
		r.partial = r.partial[:0]
		data = data[i+1:]
	}
	return len(p), nil
}

func (r *ring) push(line string) {
	r.lines[r.next] = line
	r.next++
	if r.next == len(r.lines) {
		r.next, r.full = 0, true
	}
}

// tail returns up to n of the last lines (n <= 0: all kept lines), oldest first, including a
// trailing partial line.
func (r *ring) tail(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []string
	if r.full {
		all = append(all, r.lines[r.next:]...)
	}
	all = append(all, r.lines[:r.next]...)
	if len(r.partial) > 0 {
		all = append(all, string(r.partial))
	}
	if n > 0 && len(all) > n {
		all = all[len(all)-n:]
	}
	return all
}

func (r *ring) contains(s string) bool {
	for _, l := range r.tail(0) {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
