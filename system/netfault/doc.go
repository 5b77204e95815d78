// Package netfault puts a TCP proxy (toxiproxy, embedded as a library) in front of a
// broker or service so the harness can break the network between them and their clients.
//
// A Proxy listens on a fixed loopback address and forwards to an upstream. The broker
// advertises the proxy's address, so clients cannot bypass it (a proxy the broker does
// not advertise is bypassed after the first metadata response).
//
// Faults, each undone by Heal (safe to call twice):
//
//	Cut        close the listener and every open connection: clients get "connection
//	           refused", as when the host is down.
//	Blackhole  keep connections open but drop every byte in both directions: requests
//	           hang until the client's own timeouts fire, as in a network partition.
//	Latency    delay every chunk of data by a fixed time plus jitter, downstream.
//	ResetPeer  reset every connection (TCP RST) after a timeout.
//
// Heal removes every toxic and reopens the listener at the same address.
package netfault
