// Package httplimit gives the reference services' HTTP servers their limits: read,
// write and idle timeouts, a request header size limit (Server), and a cap on open
// connections (Listener).
//
// A connection past the cap is answered "503 Service Unavailable" with
// "Connection: close" and closed at once, before any request is read; the service
// counts it (its own metric, through OnRefuse). Connections the cap accepted keep
// being served: a flood cannot take their place.
//
// Traps:
//   - The read and write timeouts cover one request. A handler that hijacks the
//     connection for a stream (WebSocket) must clear the deadlines itself
//     (http.ResponseController), or its stream is cut after WriteTimeout.
//   - Hijacked connections still count against the cap until they are closed.
package httplimit
