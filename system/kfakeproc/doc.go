// Package kfakeproc runs the embedded stack's broker: franz-go's kfake in its own process
// (system/cmd/dskfake), with a data directory and fixed ports, so that kill -9, graceful
// stop, pause and restart behave as they do for a real broker: acknowledged data and
// committed offsets survive, and clients find the broker again at the same address.
//
// A Broker listens on ListenPort and advertises AdvertisePort (the same unless set): the
// embedded stack puts a TCP proxy on the advertised port to inject network faults.
//
// Ports: a Broker holds its listen port (Port, ReservePort) from Start to Close, through
// kill, stop and restart: nothing else can bind it, and while the process is down a
// connection to it is refused, as at a dead broker. dskfake listens with SO_REUSEPORT to
// bind the held port. A port picked free and released (FreePort) can be taken by another
// process before the broker binds it; never start a broker on one.
//
// Traps: kfake persists topics created with CreateTopics at once, but topics created
// automatically by a metadata request only on a graceful shutdown: create topics
// explicitly (kadm) before a scenario kills the broker. kfake is a single in-memory-plus-disk process, not a replicated cluster;
// "multi-broker" scenarios need the local stack. kfake listens on 127.0.0.1 only.
package kfakeproc
