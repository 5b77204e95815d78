// Package netfault puts a TCP proxy in front of a broker or service so the harness can
// break the network between them and their clients, and see every connection and Kafka
// request that crosses it.
//
// A Proxy listens on a fixed loopback address (its front) and forwards through an
// embedded toxiproxy, which applies the faults, to an upstream. The broker advertises
// the proxy's address, so clients cannot bypass it (a proxy the broker does not
// advertise is bypassed after the first metadata response).
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
//
// # What the proxy records (the harness's own observation)
//
// Conns lists every accepted connection (accept and close times, bytes each way, Kafka
// frames each way, the client_id of its first request); a connection closed without a
// single response is Failed: from the client's side a failed attempt, whatever the
// client reports. Requests lists every Kafka request (API key, version, client_id, when
// its response began; Metadata requests that name no topic, franz-go's Ping, are
// marked NoTopics). Responses are matched to requests in order, as Kafka answers them.
//
// Traps:
//   - When the upstream is down, the proxy still accepts: the client sees its connection
//     close (EOF) right after its first request, not "connection refused". Cut refuses.
//     A connection that ends before any answer always ends with EOF, so ResetPeer
//     resets only connections that were already answered.
//   - A Kafka client never half-closes: when the client's side ends, the proxy closes
//     the upstream side at once. When the upstream ends, the client is half-closed and
//     read for up to 2 s more, so the request it had already sent is recorded.
//   - Only the first 262 144 requests are kept; connections count them all.
package netfault
