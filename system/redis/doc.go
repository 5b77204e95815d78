// Package redis starts a real Redis (Debian's redis-server) as a child process on a
// loopback port, for an implementation under test whose profile needs one, and pings
// one (the containers stack runs the redis image instead and waits with Ping).
package redis
