package containers

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// follower copies a container's output to a writer, each line prefixed, from a point in
// time until the container stops or the follower is stopped.
type follower struct {
	cli    client.APIClient
	w      io.Writer
	prefix string

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// follow starts copying the output of container id produced since since. A previous
// copy still running is stopped first.
func (f *follower) follow(id string, since time.Time) {
	if f == nil || f.w == io.Discard {
		return
	}
	f.stop()
	ctx, cancel := context.WithCancel(context.Background())
	f.mu.Lock()
	f.cancel = cancel
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		rc, err := f.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true,
			Follow: true, Since: strconv.FormatInt(since.Unix(), 10)})
		if err != nil {
			return
		}
		defer rc.Close()
		lw := &linePrefixer{w: f.w, prefix: []byte(f.prefix)}
		_, _ = stdcopy.StdCopy(lw, lw, rc)
	}()
}

// stop ends the copy and waits for it.
func (f *follower) stop() {
	if f == nil {
		return
	}
	f.mu.Lock()
	cancel := f.cancel
	f.cancel = nil
	f.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	f.wg.Wait()
}

// linePrefixer writes whole lines to w, each with prefix.
type linePrefixer struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  []byte
	partial []byte
}

func (l *linePrefixer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := append(append([]byte{}, l.prefix...), l.partial[:i+1]...)
		l.partial = l.partial[i+1:]
		if _, err := l.w.Write(line); err != nil {
			return len(p), err
		}
	}
}
