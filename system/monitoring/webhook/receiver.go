package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxBody bounds a recorded body.
const maxBody = 4 << 20

// Receiver is a running webhook server. Build one with Start.
type Receiver struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu         sync.Mutex
	deliveries []Delivery
	changed    chan struct{} // closed and replaced on every new delivery

	closeOnce sync.Once
	closeErr  error
}

// Start listens on a free loopback port and serves until Close. ctx bounds only the start.
func Start(ctx context.Context) (*Receiver, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("webhook listen: %w", err)
	}
	r := &Receiver{ln: ln, done: make(chan struct{}), changed: make(chan struct{})}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(r.done)
		_ = r.srv.Serve(ln)
	}()
	return r, nil
}

// Addr returns the host:port the receiver listens on.
func (r *Receiver) Addr() string { return r.ln.Addr().String() }

// URL returns the URL to configure for the named Alertmanager receiver.
func (r *Receiver) URL(receiver string) string {
	return "http://" + r.Addr() + "/" + strings.TrimPrefix(receiver, "/")
}

// serve records one delivery.
func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	d := Delivery{Arrived: time.Now(), Path: req.URL.Path}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody))
	d.Body = body
	if err == nil {
		err = json.Unmarshal(body, &d.Payload)
	}
	if err != nil {
		d.Err = err
		d.Payload = Payload{}
	}
	r.mu.Lock()
	d.Seq = len(r.deliveries) + 1
	r.deliveries = append(r.deliveries, d)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	if err != nil {
		http.Error(w, "bad payload: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Deliveries returns a copy of every delivery recorded so far, in arrival order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.deliveries...)
}

// WaitFor returns the earliest recorded delivery that matches pred, waiting for new ones
// until ctx ends. The error on timeout lists every delivery seen.
func (r *Receiver) WaitFor(ctx context.Context, pred func(Delivery) bool) (Delivery, error) {
	next := 0
	for {
		r.mu.Lock()
		seen := r.deliveries
		changed := r.changed
		r.mu.Unlock()
		for ; next < len(seen); next++ {
			if pred(seen[next]) {
				return seen[next], nil
			}
		}
		select {
		case <-changed:
		case <-r.done:
			return Delivery{}, fmt.Errorf("webhook wait: receiver closed; %s", describe(seen))
		case <-ctx.Done():
			return Delivery{}, fmt.Errorf("webhook wait: %w; %s", ctx.Err(), describe(r.Deliveries()))
		}
	}
}

// describe lists deliveries for an error message.
func describe(ds []Delivery) string {
	if len(ds) == 0 {
		return "no delivery arrived"
	}
	lines := make([]string, 0, len(ds))
	for _, d := range ds {
		lines = append(lines, "  "+d.String())
	}
	return fmt.Sprintf("%d deliveries arrived:\n%s", len(ds), strings.Join(lines, "\n"))
}

// Close stops the server; it is safe to call twice.
func (r *Receiver) Close() error {
	r.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.closeErr = fmt.Errorf("webhook close: %w", err)
		}
		<-r.done
	})
	return r.closeErr
}
