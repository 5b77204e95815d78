package monitoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/dashstream/acceptance/system/poll"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/tools"
)

// ErrNotReady is returned when a component did not answer its readiness endpoint in time
// or exited while starting. The error text names the component and ends with the tail of
// its log.
var ErrNotReady = errors.New("component did not become ready")

// Timings of the readiness poll.
const (
	readyPoll     = 100 * time.Millisecond
	portAttempts  = 3
	logTailOnFail = 40
)

// child is a running component: its process, its temporary directory and its base URL.
type child struct {
	name  string
	proc  *proc.Process
	dir   string
	base  string
	grace time.Duration

	closeOnce sync.Once
	closeErr  error
}

// childSpec describes how to start a component.
type childSpec struct {
	name      string // "prometheus"
	tool      string // system/tools name
	dir       string // temporary directory, owned by the child from now on
	readyPath string // "/-/ready"
	args      func(listen string) []string
}

// startChild starts the component on a free loopback port and waits until readyPath
// answers 200. A port taken between choosing and binding it is retried. On failure the
// process is stopped and dir removed.
func startChild(ctx context.Context, spec childSpec, c common) (*child, error) {
	bin := c.binary
	if bin == "" {
		var err error
		if bin, err = tools.Ensure(ctx, spec.tool); err != nil {
			os.RemoveAll(spec.dir)
			return nil, fmt.Errorf("start %s: %w", spec.name, err)
		}
	}
	var lastErr error
	for attempt := 0; attempt < portAttempts; attempt++ {
		port, err := freePort(ctx)
		if err != nil {
			lastErr = err
			break
		}
		listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := proc.Start(ctx, proc.Spec{
			Name: spec.name, Path: bin, Args: spec.args(listen), Dir: spec.dir, Log: c.log, Grace: c.grace,
		})
		if err != nil {
			lastErr = err
			break
		}
		ch := &child{name: spec.name, proc: p, dir: spec.dir, base: "http://" + listen, grace: c.grace}
		err = waitReady(ctx, p, ch.base+spec.readyPath, c.readyTimeout)
		if err == nil {
			return ch, nil
		}
		lastErr = err
		_ = p.Kill()
		if !p.Printed("address already in use") {
			break
		}
	}
	os.RemoveAll(spec.dir)
	return nil, lastErr
}

// freePort asks the kernel for a free loopback port.
func freePort(ctx context.Context) (int, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls url until it answers 200, the process exits, timeout passes or ctx ends.
func waitReady(ctx context.Context, p *proc.Process, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	_, last, err := poll.Until(ctx, timeout, readyPoll, func(ctx context.Context) (bool, string, error) {
		select {
		case <-p.Done():
			return false, "", poll.Stop(fmt.Errorf("%w: %s exited before %s answered 200\n%s", ErrNotReady, p.Name(), url, p.Describe(logTailOnFail)))
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, "", poll.Stop(fmt.Errorf("wait ready %s: %w", p.Name(), err))
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, "", err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status, nil
	})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return err // met, or a final error already worded
	}
	return fmt.Errorf("%w: %s: %s did not answer 200 within %s (last: %s): %w\n%s",
		ErrNotReady, p.Name(), url, timeout, last, err, p.Describe(logTailOnFail))
}

// close stops the process (SIGTERM, then SIGKILL after the grace period) and removes the
// temporary directory. It is safe to call twice.
func (c *child) close() error {
	c.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.grace+5*time.Second)
		defer cancel()
		err := c.proc.Stop(ctx)
		if rmErr := os.RemoveAll(c.dir); err == nil && rmErr != nil {
			err = rmErr
		}
		if err != nil {
			c.closeErr = fmt.Errorf("close %s: %w", c.name, err)
		}
	})
	return c.closeErr
}

// post sends an empty POST to path and requires a 200 answer.
func (c *child) post(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, body)
	}
	return nil
}
