@exporter
Feature: A wrong broker address never becomes a retry storm
  The exporter this replaces sent 10.2 GB trying to reach a broker it could not. With an
  unresolvable, refusing or hanging broker address, the exporter backs off, says once in
  its log and in /readyz what is wrong, and becomes ready as soon as the address is fixed.

  What the harness observes, never what the exporter says of itself (its
  dashstream_exporter_kafka_connect_attempts_total is shown beside, as evidence): the
  harness's own listeners note the time of every connection and the bytes received; for
  an unresolvable name (no TCP at all) the harness lists the exporter process's sockets
  from the kernel every 50 ms, from the moment the restarted exporter serves HTTP, and
  expects none but its HTTP listener's and the harness's own requests to it (a socket
  opened and closed between two samples, or before the watch began, is not seen).

  The backoff policy (reference/backoff: delay d/2 to d with d = 250 ms doubling, capped)
  is judged on the rounds of connections at the listener: after k failed rounds the next
  comes no sooner than the floor d/2 (judged from the fourth gap on: 1 s and more, far
  above the 20 ms the harness allows for noting a connection late) and no later than the
  cap plus 1 s. Connections within 100 ms count as one round, as the reference counts one
  burst of failures. At most 100 connections in the minute: the policy allows at most 16
  rounds in a minute with a 12 s cap, and franz-go opens 6 connections in a round (the
  reference opens 66 to 72 here; one that lets its lag loop dial during the outage, 114).

  The log is read from the output the harness captured. Once the exporter stopped (and
  flushed what it held), its lines and the repeats they say they suppressed must add up
  to the connections the listener accepted, one failure each (a connection made in the
  2 s before the stop may be cancelled by it, unlogged). A line "(suppressed N ...)"
  stands for N failures when the periodic flush wrote it and N+1 when a new failure did;
  the log cannot say which, so the connections must lie between the two sums.

  Deviation: "refuses connections" is a harness listener that accepts each connection,
  reads the client's first request and resets it, not a port the kernel refuses (as in
  the incident's "Connection refused"): nothing could count attempts at such a port.

  Deviation: the backoff scenario caps retries at 12 s and holds repeated log lines for
  20 s instead of the defaults (30 s, 60 s), so that many capped rounds and a
  "(suppressed N ...)" line fit in one minute; the policy's rules are the same at any cap.

  Deviation: the incident's check after the fix (no resolution error for 5 minutes) is
  not waited for: the fixed exporter must be ready within 15 s, which needs a broker that
  answered; a five-minute watch would dominate the suite.

  @wrong-address
  Scenario Outline: With a broker address that <problem>, the exporter says so once and recovers when fixed
    Given the exporter runs with a broker address that <problem>
    Then over 20 seconds <observed>
    And /readyz answers 503 with the reason
    And it logs each distinct connection error at most once
    When the exporter is restarted with the right broker address
    Then /readyz answers 200 within 15 seconds

    Examples:
      | problem                               | observed                                                                |
      | is unresolvable                       | the exporter opens no socket but its own HTTP listener's                |
      | accepts connections and never answers | the address sees at most 8 connections and receives at most 1024 bytes |

  @backoff
  Scenario: A broker address that refuses every connection is retried ever more slowly, never in a storm
    Given the exporter runs with a broker address that refuses connections, retries capped at 12 seconds and repeated log lines held for 20 seconds
    Then over 60 seconds the address sees at most 100 connections, in rounds spaced at least by the backoff floor and at most by the cap
    And it logs each distinct connection error at most once per interval, the next line with the count it suppressed
    When the exporter stops
    Then its log accounts for every connection the address saw, each failure once
    When the exporter is restarted with the right broker address
    Then /readyz answers 200 within 15 seconds

  @backoff
  Scenario: The first repeat after the interval carries the count of the lines held back
    Given the exporter runs with a broker address that refuses connections, retries capped at 12 seconds, repeated log lines held for 5 seconds and no periodic flush
    Then over 20 seconds the address sees at most 60 connections, in rounds spaced at least by the backoff floor and at most by the cap
    And it logs each distinct connection error at most once per interval, the next line with the count it suppressed
    When the exporter stops
    Then its log accounts for every connection the address saw, each failure once

  @quality
  Scenario: Quality events become dashstream_quality series as the exporter's contract says
    The harness scrapes the exporter itself and decodes the text with expfmt, then asks
    Prometheus. The contract (reference/exporter doc.go "Quality metrics"): names lowercased
    with every other character "_", COUNTER exported as a counter with one "_total", bools
    as 1 and 0, strings and bytes skipped and counted by reason, the latest value kept,
    labels tenant and scope_id, and beyond the cap (here 5 series) the least recently
    updated series evicted: the sixth series (beta, run-3) evicts acme's Score, last
    updated before healthy, beta's run-2 and the counters. Every series of the table must
    be there with its type and value, and no other dashstream_quality_* series.
    Given the exporter consumes the scenario's topic, keeps at most 5 quality series, and Prometheus scrapes it
    When these quality values are written, one message each, in order:
      | tenant | scope_id | metric              | type    | value       |
      | acme   | run-1    | Checks Passed       | COUNTER | int 42      |
      | acme   | run-1    | Score               | GAUGE   | float 0.75  |
      | acme   | run-1    | healthy             | GAUGE   | bool true   |
      | acme   | run-1    | verdict             | GAUGE   | string fine |
      | acme   | run-1    | Score               | GAUGE   | float 0.5   |
      | acme   | run-1    | healthy             | GAUGE   | bool false  |
      | beta   | run-2    | Score               | GAUGE   | float 0.9   |
      | acme   | run-1    | Checks Passed       | COUNTER | int 50      |
      | acme   | run-1    | errors_total        | COUNTER | int 3       |
      | beta   | run-3    | Score               | GAUGE   | float 0.125 |
      | beta   | run-3    | !!!                 | GAUGE   | int 7       |
      | beta   | run-3    | digest              | GAUGE   | bytes ab    |
      | acme   | run-1    | Checks Passed Total | GAUGE   | int 9       |
    Then the exporter's own /metrics shows exactly these quality series within 20 seconds:
      | series                                                                 | type    | value |
      | dashstream_quality_checks_passed_total{tenant="acme",scope_id="run-1"} | counter | 50    |
      | dashstream_quality_errors_total{tenant="acme",scope_id="run-1"}        | counter | 3     |
      | dashstream_quality_healthy{tenant="acme",scope_id="run-1"}             | gauge   | 0     |
      | dashstream_quality_score{tenant="beta",scope_id="run-2"}               | gauge   | 0.9   |
      | dashstream_quality_score{tenant="beta",scope_id="run-3"}               | gauge   | 0.125 |
    And the exporter counts the quality messages written per tenant
    And the exporter counts skipped values by reason and evicted series:
      | series                                                                   | type    | value |
      | dashstream_exporter_quality_values_skipped_total{reason="not_numeric"}   | counter | 2     |
      | dashstream_exporter_quality_values_skipped_total{reason="bad_name"}      | counter | 1     |
      | dashstream_exporter_quality_values_skipped_total{reason="type_conflict"} | counter | 1     |
      | dashstream_exporter_quality_series_evicted_total{}                       | counter | 1     |
    And Prometheus holds exactly the same quality series within 20 seconds

  Scenario: With the right broker address the exporter counts traffic and Prometheus sees it up
    Deviation: the incident asks for dashstream metrics above 0; the harness asks for
    exactly the records the topic holds (its end offsets, read by the harness).

    Given the exporter consumes the scenario's topic and Prometheus scrapes it
    When the quality aggregator writes 20 events on 1 thread
    Then the exporter counts 20 messages received

  @regression
  Scenario: A producer clock running ahead never yields a negative latency
    Given the exporter consumes the scenario's topic and Prometheus scrapes it
    When a producer whose clock is 5 seconds ahead writes 10 events
    Then the exporter counts 10 negative latencies and observes none of them
