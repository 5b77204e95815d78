package kafkalocal

import (
	"bytes"
	"io"
	"sync"
)

// prefixWriter writes each complete line to w with prefix in front of it. It holds a partial
// line until its newline arrives; the lock keeps lines of concurrent brokers whole.
type prefixWriter struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	data := b
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			p.partial = append(p.partial, data...)
			break
		}
		line := make([]byte, 0, len(p.prefix)+len(p.partial)+i+1)
		line = append(append(append(line, p.prefix...), p.partial...), data[:i+1]...)
		p.partial = p.partial[:0]
		data = data[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return len(b), nil // a broken log sink must not stall the broker's pipe
		}
	}
	return len(b), nil
}
