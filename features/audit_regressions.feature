@audit
Feature: Defects found by the original system's audits stay found
  The original DashFlow services were audited many times; each finding below was fixed
  there. These scenarios prove that the same defect put into the pipeline under test
  turns the gate red, judged from outside: records written and read by the harness's own
  Kafka clients, the exporter's /metrics read series by series (a series that is missing
  fails, it never reads as 0), /health read field by field, and frames and close codes
  seen by the harness's own WebSocket client.

  Scenario: A dead-lettered record is a byte-for-byte copy of the record it names
    The DLQ keeps full forensic context for replay (DashFlow dlq.rs audit v109): the
    source topic, partition and offset of each copy must point at the very record that
    failed, not the next one (the offset + 1 confusion of M-414), and the copy keeps its
    key and value.
    Given an independent client writes 3 garbage records to the topic
    And the quality aggregator writes 10 events on each of 2 threads
    When a consumer reads all 23 records
    Then the 3 dead-lettered records are exact copies of the records their headers name

  Scenario: The exporter counts every dead-lettered record it acknowledged
    DLQ outcomes that were only logged, never counted, hid data loss (M-515, M-529), and
    decode errors exported under one label hid their cause (DashFlow's Kafka metrics audit,
    finding 11). The counts are checked against the dead-letter topic the harness reads
    itself and the kind of record it wrote.
    Given the exporter consumes the scenario's events topic
    When an independent client writes 3 garbage records to the topic
    Then the dead-letter topic holds 3 records with reason "framing"
    And the exporter's "dashstream_dlq_records_total" is 3 within 20 seconds
    And the exporter's "dashstream_decode_failures_total" for reason "framing" is 3 within 5 seconds

  Scenario: A gap of several messages is measured by how many are missing
    The gap-size histogram must record the messages missing, not 1 per gap (M-782): an
    alert on lost messages reads its sum. The thread is written by the harness with a
    known hole of 4 sequences (4, 5, 6 and 7).
    Given the exporter consumes the scenario's events topic
    When an independent client writes a thread with sequences 1 to 3 and 8 to 10
    Then the exporter counts exactly 1 sequence gap
    And the exporter's gap-size histogram holds 1 gap of 4 missing messages in all

  Scenario: A message without a timestamp is counted, never measured
    A missing timestamp_us (0) would read as a latency of decades: it is counted apart and
    kept out of the latency histogram (M-644 guards latency against impossible values).
    Given the exporter consumes the scenario's events topic
    When an independent client writes 3 events without a timestamp
    Then the exporter's "dashstream_e2e_latency_missing_timestamp_total" is 3 within 20 seconds
    And the exporter's "dashstream_e2e_latency_seconds_count" is 0 within 1 seconds

  Scenario: A thread first seen part-way through is a baseline, not a gap
    A consumer that meets a thread for the first time (new, evicted under memory pressure,
    or read from a committed offset) takes its sequence as the baseline: M-514 fixed false
    gaps for threads that reappear after pruning.
    Given an independent client writes a thread with sequences 50 to 55 and 56 to 60
    When a consumer reads all 11 records
    Then the consumer reports 0 duplicates, 0 gaps and 0 reorders

  Scenario: A consumer group commits the offsets of what it read
    At-least-once delivery (M-516) rests on committing the next offset of each record
    handled (M-414); a consumer that never commits reads everything again after a restart.
    Given a consumer has read the first 20 messages of a thread
    Then the consumer's group has committed every record within 15 seconds

  Scenario: Two tenants using the same thread names are two sets of threads
    Sequences are tracked per (tenant, thread) (M-1001: per-key thread sequences). Two
    tenants whose threads have the same ids must not look like duplicates of each other.
    Given the quality aggregators of tenants "acme" and "globex" write 20 events each on the same thread names
    When a consumer reads all 40 records
    Then the consumer reports 0 duplicates, 0 gaps and 0 reorders

  Scenario: The exporter's lag reads 0 once it has read every record
    Lag is the high watermark minus the NEXT offset to consume (M-414's offset + 1, M-419's
    lag gauge); one too many on every partition keeps ConsumerLagHigh's input from ever
    reaching 0. The gauge is refreshed every second here; 3 seconds of 0 span several
    refreshes, so a value from before the records arrived cannot pass.
    Given the exporter consumes the scenario's events topic
    When the quality aggregator writes 20 events on each of 2 threads
    Then the exporter's "dashstream_messages_received_total" is 40 within 20 seconds
    And the exporter's consumer lag on the scenario's topic reads 0 on every partition for 3 seconds, within 15 seconds

  Scenario: Quality metrics are exported under the writer's tenant, per thread, as counters
    A quality series carries the header's tenant and the message's scope_id, a COUNTER
    value is named with the _total suffix (M-98), and each series holds the latest value,
    not an aggregate (M-480): the last "passed" of each thread is false, so 0.
    Given the quality aggregator is deployed with TENANT_ID "acme"
    And the exporter consumes the scenario's quality topic
    When it writes 10 quality events on 2 threads
    Then the exporter shows "dashstream_quality_checks_total" = 10 for tenant "acme" on each of the 2 threads
    And the exporter shows "dashstream_quality_passed" = 0 for tenant "acme" on each of the 2 threads

  Scenario: The exporter keeps at most 10000 quality series, evicting the oldest
    Collections fed by producers are bounded (DashFlow's streaming consumer audit v86:
    bounded quality-score samples; M-514: cap what grows per thread). 3400 threads of 3
    quality metrics each make 10200 series: 200 must go.
    Given the quality aggregator is deployed with TENANT_ID "acme"
    And the exporter consumes the scenario's quality topic
    When it writes 1 quality events on 3400 threads
    Then the exporter's "dashstream_exporter_quality_messages_total" is 3400 within 30 seconds
    And the exporter keeps exactly 10000 quality series and counts 200 evicted

  @websocket
  Scenario: Undecodable records degrade /health until they leave the window
    Decode errors are kept in a sliding window behind /health (M-1069, M-1070) so that
    data loss shows there (M-1107), and they leave it when the window has passed.
    Given the WebSocket server runs with a 5 second health window, stale after 0 seconds, and a breaker that half-opens after 60 seconds
    And /health reports "healthy" within 20 seconds
    When an independent client writes 3 garbage records to the topic
    Then /health counts 3 undecodable records in its window within 10 seconds
    And /health reports "healthy" within 15 seconds

  @websocket
  Scenario: /health says so when no message arrived for longer than stale-after
    Staleness is detected per the configured threshold (M-431 stale partitions, M-538
    staleness timestamp), not after the health window.
    Given the WebSocket server runs with a 30 second health window, stale after 2 seconds, and a breaker that half-opens after 60 seconds
    When the quality aggregator writes 5 events on 1 thread
    Then /health reports "degraded" for no message in over 2 seconds, within 10 seconds

  @websocket
  Scenario: A client that leaves is no longer counted as connected
    connected_clients must match the clients connected now (M-1035).
    Given the WebSocket server runs with a 30 second health window, stale after 0 seconds, and a breaker that half-opens after 60 seconds
    And a client subscribed to tenant "acme" is connected
    Then /health counts 1 connected client within 5 seconds
    When the client of tenant "acme" disconnects
    Then /health counts 0 connected clients within 5 seconds

  @websocket
  Scenario: An inbound message over the read limit closes the connection with 1009
    User-provided input is bounded so a client cannot exhaust the server's memory
    (M-1117, M-1063); the default limit is 4096 bytes.
    Given the WebSocket server runs with a 30 second health window, stale after 0 seconds, and a breaker that half-opens after 60 seconds
    And a client subscribed to tenant "acme" is connected
    When the client of tenant "acme" sends a message of 8192 bytes
    Then the server closes the client of tenant "acme" with status 1009 within 5 seconds
