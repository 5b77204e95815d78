// Package wsserver is the reference WebSocket server of DashStream: it consumes the
// DashStream topics (default dashstream-events and dashstream-quality) once, with a single
// reference consumer for the life of the process, and fans every record out to the
// WebSocket clients subscribed to the record's tenant. The binary is
// reference/cmd/dashstream-wsserver.
//
// # Endpoints (Handler)
//
//	/ws?tenant=<id>[&format=json|binary]
//	    One tenant per connection (tenant rules of producer.ValidateTenant). A client
//	    receives only records whose protobuf header tenant_id is its tenant, never
//	    another's. Frames:
//	      json (default): one text frame per record, the Frame type:
//	        {"type":"event","header":{"message_id":"<uuid>","timestamp_us":1732790000000000,
//	         "tenant_id":"acme","thread_id":"t1","sequence":3,"type":"event",
//	         "compression":"none","schema_version":1},
//	         "topic":"dashstream-events","partition":0,"offset":12}
//	        (type names are the enum names lowercased without their prefix; parent_id,
//	        a UUID, appears when set; tenant_id and thread_id longer than
//	        wire.MaxIDBytes, 256 bytes, are cut by wire.CutID: a prefix that never splits
//	        a character, ending in wire.CutMarker "…[cut]")
//	      binary: one binary frame per record holding the Kafka record value exactly as
//	        it was on Kafka (framing byte + protobuf, zstd when the producer compressed):
//	        decode it with wire.Decoder. It is the whole payload (event attributes, state
//	        diffs, tool input and output), where json carries the header and position
//	        only: a token granted a tenant reads that tenant's payloads in full, never
//	        another tenant's (a record is routed by its protobuf header's tenant_id, so a
//	        binary frame never holds a record of a tenant the token is not granted).
//	    Inbound messages are read and ignored; one over ReadLimit (default 4096 bytes)
//	    closes the connection with 1009. Every client is pinged every PingInterval
//	    (30 s); one whose pong does not come within PingTimeout (10 s) is disconnected
//	    (ping_timeout).
//	    Refusals, before the upgrade, in this order: 503 while shutting down; with
//	    TokenGrants, 401 without a known token (Authorization: Bearer <token>, or
//	    ?token=<token>); 403 for an Origin that no AllowedOrigins pattern matches (no
//	    Origin header, as from non-browser clients, passes; the Host header is never
//	    trusted, so a DNS-rebinding page on the server's own host:port is refused);
//	    400 for a bad tenant; 403 for a tenant the token is not granted
//	    (tenant_not_granted); 400 for a bad format. A refused request gets no frame.
//	/health
//	    Always 200; the Health JSON: status, reasons, kafka_status (connected |
//	    disconnected), websocket_status (accepting | shutting_down), circuit_breaker
//	    {state, consecutive_failures, successful_probes, opens_total, retry_in_seconds},
//	    metrics {all-time kafka_errors, infrastructure_errors, decode_errors,
//	    dropped_messages, messages_received; the same within the window prefixed recent_;
//	    window_seconds, connected_clients, uptime_seconds, seconds_since_last_message
//	    (null before the first message)}, thresholds {window_seconds,
//	    stale_after_seconds, reconnecting_after_seconds, reconnecting_errors,
//	    breaker_failure_threshold, breaker_open_for_seconds, breaker_close_after,
//	    probe_interval_seconds}.
//	/metrics
//	    Prometheus.
//
// # Authorization
//
// TokenGrants binds each token to the tenants it may read (Grants; ParseGrants reads
// "<token> <tenant>[,<tenant>...]" entries, one per line or separated by ";", with
// line-numbered errors). AllTenants ("*") alone grants every tenant, for an operator's
// console. Tokens are at least MinTokenLength (16) bytes; lookups compare SHA-256
// digests in constant time. Without TokenGrants every client reads every tenant: the
// binary allows that only on a loopback address or with WS_UNAUTHENTICATED=true.
//
// # Health status
//
// The tiers of incident #7, computed from the sliding window (HealthWindow, default 60 s,
// in 60 buckets), the age of the last Kafka message, the breaker and the Kafka client's
// last outcome, never from all-time counters:
//
//	healthy       no Kafka error in the window, and the last message younger than
//	              StaleAfter (60 s)
//	degraded      1 to 4 Kafka errors in the window, or infrastructure (consumer loop
//	              restarts, frame rendering) or decode errors in it, or the last
//	              message at least StaleAfter old
//	reconnecting  5 (ReconnectingErrors) or more Kafka errors in the window, or the
//	              last message at least ReconnectingAfter (300 s) old, or the breaker
//	              not closed, or the last Kafka dial or request failed (or none
//	              succeeded yet)
//
// Before the first message the age is the server's uptime: a server that never got a
// message is degraded after a minute. StaleAfter or ReconnectingAfter 0 turns that rule
// off (a topic quiet by design). /health's thresholds object shows every number in use.
//
// Errors are not reset after 10 consecutive successful messages, as incident #7
// suggested: they leave the window one bucket at a time, so an error is visible for the
// window's length whatever the traffic (at 20 messages a second a reset would hide it in
// half a second, and scattered errors between successes would never show). After an
// outage the status goes reconnecting -> degraded -> healthy once the errors have left
// the window: healthy after at most one window (1 minute) of successful operation. The
// all-time counters (kafka_errors ...) only grow, as counters must for rate().
//
// Kafka retries are paced by a backoff.Guard capped at DefaultBackoffMax (4 s, Backoff
// to change): records flow again within about that long after the broker is back,
// while the breaker is closed. Dropped frames are reported but do not degrade the
// status: a slow client is the client's problem.
//
// # Circuit breaker
//
// Kafka outcomes, one per connection attempt (a failed dial, DNS lookup or connection
// initialisation is one failure, however many franz-go hooks report it) and one per
// request on a live connection, feed a Breaker and the health window (and
// dashstream_ws_kafka_errors_total): FailureThreshold (10) failures in a row
// open it (a success in closed resets the run, so scattered errors never open it);
// open, it is the floor of every franz-go retry delay, so nothing dials until OpenFor
// (60 s) has passed; then half-open, it sends one probe, a broker-only Metadata request
// (franz-go's Ping), every ProbeInterval (1 s): CloseAfter (5) successful probes in a
// row close it, one failed probe or Kafka failure opens it again. In half-open, other
// Kafka successes (the consumer resuming on its own) are not probes. It never goes from
// open to closed without half-open. Breaker state is in /health and in
// dashstream_ws_circuit_breaker_state. No Kafka error ends the process or Run. The
// consumer's Kafka client_id is ClientID ("dashstream-wsserver").
//
// # Slow clients
//
// Each client has a queue of at most QueueSize frames (256) and QueueBytes bytes of frames
// (16 MiB; 64 KiB to 1 GiB), whichever binds first: 30 records with 1 MiB thread ids
// cannot queue 188 MB for one client (issue 13). The poll loop only enqueues: when a frame
// does not fit, the oldest frames are dropped until it does, one count each
// (dropped_frames_total{reason="queue_full"}; a frame larger than QueueBytes is itself
// dropped),
// and with DisconnectAfterDrops n > 0 the client is closed with 1008 after n drops. A
// write that takes longer than WriteTimeout (10 s) closes that client. Other clients are
// never held up.
//
// # Metrics
//
//	dashstream_ws_connected_clients                gauge      clients connected now
//	dashstream_ws_frames_sent_total{format}        counter    frames written (json, binary)
//	dashstream_ws_dropped_frames_total{reason}     counter    queue_full, disconnected (queued when the client went)
//	dashstream_ws_disconnects_total{reason}        counter    client_closed, too_slow, message_too_big, write_failed,
//	                                                          shutdown, ping_timeout
//	dashstream_ws_rejected_connections_total{reason}
//	                                               counter    unauthorized, origin, bad_request, shutting_down,
//	                                                          tenant_not_granted
//	dashstream_ws_connections_refused_total        counter    TCP connections refused at the connection cap (503);
//	                                                          counted by the binary's httplimit.Listener
//	dashstream_ws_consumer_restarts_total          counter    consumer loop restarts after it ended with an error
//	dashstream_ws_circuit_breaker_state            gauge      0 closed, 1 half-open, 2 open
//	dashstream_ws_kafka_connected                  gauge      1 when the last Kafka outcome was a success
//	dashstream_ws_kafka_errors_total               counter    failed Kafka dials and requests
//	dashstream_ws_e2e_latency_seconds              histogram  header timestamp_us to the write of a frame, per frame
//	dashstream_ws_e2e_latency_negative_total       counter    frames written before their timestamp; not observed
//
// plus the reference consumer's (dashstream_messages_received_total,
// dashstream_decode_failures_total{reason}, dashstream_sequence_gaps_total,
// dashstream_sequence_duplicates_total, dashstream_sequence_reorders_total,
// dashstream_sequence_zero_total, dashstream_sequence_gap_size, dashstream_dlq_records_total,
// dashstream_dlq_failures_total) and the go_* and process_* collectors.
//
// Traps:
//   - A fresh server starts at the records written since it was created (by Kafka
//     record timestamp): it is a live stream, not a replay. ConsumerOpts with
//     consumer.ResetOffset changes that.
//   - It never copies undecodable records to the DLQ (the exporter does); they are
//     counted as decode errors.
//   - Clock drives the window, the breaker and the ages; franz-go's timers are real, so
//     tests of outages use short real durations.
//   - ?token= puts the secret in URLs, which end up in access logs; prefer the header
//     where the client can set it.
//   - The HTTP server's read and write timeouts do not reach a stream: net/http clears
//     a connection's deadlines when the upgrade hijacks it; a stream is bounded by
//     WriteTimeout per frame and the ping deadline instead.
//   - A client cut off as too slow rarely sees the 1008 close frame: it waits behind
//     the frames the client never read, so the close handshake times out and the TCP
//     connection ends.
//   - Records are decoded within the consumer's decode budget (consumer.DecodeBudget,
//     default 64 MiB of decoded bytes held at once, through ConsumerOpts; the binary's
//     -decode-budget, env DECODE_BUDGET): records that expand a thousandfold cost the
//     budget, not the poll times the ratio. The binary sets the Go soft memory limit to
//     the budget plus 64 MiB unless GOMEMLIMIT is set.
package wsserver
