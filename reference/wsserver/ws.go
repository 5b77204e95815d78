package wsserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dashstream/acceptance/reference/producer"
)

// statusTooSlow closes a client that dropped too many frames (1008 policy violation).
const statusTooSlow = websocket.StatusPolicyViolation

// Handler serves:
//
//	/ws?tenant=<id>[&format=json|binary]  the WebSocket stream of one tenant
//	/health                               the Health JSON (always 200; read "status")
//	/metrics                              Prometheus metrics
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s.Health())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	return mux
}

func (s *Server) reject(w http.ResponseWriter, code int, reason, msg string) {
	s.m.rejected.WithLabelValues(reason).Inc()
	http.Error(w, msg, code)
}

// ErrBadOrigin is wrapped by New's error for a malformed AllowedOrigins pattern.
var ErrBadOrigin = errors.New("bad allowed origin")

// CheckOrigins returns an error wrapping ErrBadOrigin for an AllowedOrigins pattern
// that is empty or that path.Match cannot use (it would never match).
func CheckOrigins(patterns []string) error {
	for _, p := range patterns {
		if p == "" {
			return fmt.Errorf("%w: an empty pattern: write host patterns like dash.example.com or *.example.com", ErrBadOrigin)
		}
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("%w: pattern %q is malformed (%v): write host patterns like dash.example.com or *.example.com", ErrBadOrigin, p, err)
		}
	}
	return nil
}

// originAllowed passes requests without an Origin (not a browser) and Origins that
// match an AllowedOrigins pattern. The Host header is never trusted: a DNS-rebinding
// page sends the server's own host in it.
func (s *Server) originAllowed(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("origin %q is not a URL with a host", origin)
	}
	for _, p := range s.cfg.origins {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if p == "*" {
			return nil
		}
		if ok, err := path.Match(strings.ToLower(p), strings.ToLower(target)); err == nil && ok {
			return nil
		}
	}
	return fmt.Errorf("origin %q is not allowed: add it to WS_ALLOWED_ORIGINS", u.Host)
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.base.Err() != nil {
		s.reject(w, http.StatusServiceUnavailable, RejectShutdown, "server shutting down")
		return
	}
	var grant *grantEntry // nil: no grants configured, every tenant is open
	if s.grants != nil {
		g, ok := s.grants.lookup(bearer(r))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dashstream"`)
			s.reject(w, http.StatusUnauthorized, RejectUnauthorized, "missing or unknown bearer token")
			return
		}
		grant = &g
	}
	if err := s.originAllowed(r); err != nil {
		s.reject(w, http.StatusForbidden, RejectOrigin, err.Error())
		return
	}
	q := r.URL.Query()
	tenant := q.Get("tenant")
	if err := producer.ValidateTenant(tenant); err != nil {
		s.reject(w, http.StatusBadRequest, RejectBadRequest, fmt.Sprintf("tenant query parameter: %v", err))
		return
	}
	if grant != nil && !grant.allows(tenant) {
		s.reject(w, http.StatusForbidden, RejectTenant, fmt.Sprintf("this token is not granted tenant %q", tenant))
		return
	}
	binary := false
	switch f := q.Get("format"); f {
	case "", "json":
	case "binary":
		binary = true
	default:
		s.reject(w, http.StatusBadRequest, RejectBadRequest, fmt.Sprintf("format %q: use json (default) or binary", f))
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // origin checked above
	if err != nil {
		s.m.rejected.WithLabelValues(RejectBadRequest).Inc()
		return // Accept wrote the response
	}
	s.conns.Add(1)
	defer s.conns.Done()
	conn.SetReadLimit(s.cfg.readLimit)
	c := newClient(s.nextID.Add(1), tenant, binary, conn, s.cfg.queueSize, s.cfg.queueBytes)
	s.serveClient(c)
}

// serveClient runs a client's writer and reader until the connection ends.
func (s *Server) serveClient(c *client) {
	s.hub.add(c)
	s.m.clients.Inc()
	s.cfg.log.Info("websocket client connected", "client", c.id, "tenant", c.tenant, "binary", c.binary)
	wctx, stopWriter := context.WithCancel(context.Background())
	writerDone := make(chan error, 1)
	go func() { writerDone <- s.writeLoop(wctx, c) }()
	stopWatch := context.AfterFunc(s.base, func() {
		c.markCut(DisconnectShutdown)
		_ = c.conn.Close(websocket.StatusGoingAway, "server shutting down")
	})
	pingDone := make(chan struct{})
	go func() { defer close(pingDone); s.pingLoop(wctx, c) }()
	readErr := readLoop(c.conn)
	stopWatch()
	stopWriter()
	writeErr := <-writerDone
	<-pingDone
	s.hub.remove(c)
	s.m.clients.Dec()
	if left := c.shut(); left > 0 {
		s.m.dropped.WithLabelValues(DropDisconnected).Add(float64(left))
		s.track.droppedFrames(left)
	}
	reason := c.cutReason()
	switch {
	case reason != "":
	case errors.Is(readErr, websocket.ErrMessageTooBig):
		reason = DisconnectTooBig
	case writeErr != nil && !errors.Is(writeErr, context.Canceled):
		reason = DisconnectWriteFailed
	default:
		reason = DisconnectClientClosed
	}
	s.m.disconnects.WithLabelValues(reason).Inc()
	s.cfg.log.Info("websocket client disconnected", "client", c.id, "tenant", c.tenant, "reason", reason)
	_ = c.conn.CloseNow()
}

// pingLoop pings the client every PingInterval; a client whose pong does not come
// within PingTimeout is cut off (ping_timeout), which ends its reader.
func (s *Server) pingLoop(ctx context.Context, c *client) {
	t := time.NewTicker(s.cfg.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.pingTimeout)
		err := c.conn.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				c.markCut(DisconnectPingTimeout)
				_ = c.conn.CloseNow()
			}
			return
		}
	}
}

// readLoop reads and discards inbound messages (clients only subscribe) until the
// connection fails or closes; a message over the read limit closes it with 1009.
func readLoop(conn *websocket.Conn) error {
	for {
		if _, _, err := conn.Read(context.Background()); err != nil {
			return err
		}
	}
}

// writeLoop writes queued frames until ctx ends or a write fails (then it closes the
// connection, which ends the reader).
func (s *Server) writeLoop(ctx context.Context, c *client) error {
	for {
		f, ok := c.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-c.wake:
				continue
			}
		}
		typ, format := websocket.MessageText, "json"
		if f.binary {
			typ, format = websocket.MessageBinary, "binary"
		}
		wctx, cancel := context.WithTimeout(ctx, s.cfg.writeTimeout)
		err := c.conn.Write(wctx, typ, f.data)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				_ = c.conn.CloseNow()
			}
			return err
		}
		s.m.framesSent.WithLabelValues(format).Inc()
		if f.tsUs > 0 {
			if d := s.cfg.now().Sub(time.UnixMicro(f.tsUs)); d >= 0 {
				s.m.latency.Observe(d.Seconds())
			} else {
				s.m.negative.Inc()
			}
		}
	}
}
