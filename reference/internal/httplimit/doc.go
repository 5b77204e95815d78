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
//   - The read and write timeouts cover one request: net/http clears the deadlines of
//     a connection a handler hijacks (a WebSocket upgrade), so a stream needs bounds of
//     its own.
//   - Hijacked connections still count against the cap until they are closed.
package httplimit
