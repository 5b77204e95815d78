// Package redis starts a real Redis (Debian's redis-server) as a child process on a
// loopback port, for an implementation under test whose profile needs one.
package redis
