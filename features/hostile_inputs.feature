@hostile
Feature: Hostile but valid inputs leave every service serving, within its memory budget
  Anyone who may write to the topic can write records that are perfectly valid DashStream
  and still dangerous: a few KiB on the wire that decode to megabytes each. Issue 13 found
  that 100 such records, each decoding to 8 MiB, cost the consumer 1.09 GB of memory, the
  exporter 443 MB and the WebSocket server 211 MB, because a service decoded a whole poll
  at once. Every consuming service now holds at most a budget of decoded bytes at once
  (64 MiB unless DECODE_BUDGET says otherwise), whatever the compression ratio.

  The harness writes the records itself (its own protobuf and zstd, not the reference
  producer), and judges memory from outside: the peak resident memory the kernel keeps for
  each service's process (VmHWM in /proc/<pid>/status), never what a service reports.
  A stack that runs the services where the harness cannot read their /proc (containers)
  skips these scenarios and says so.

  @budget
  Scenario: 100 records that each expand to 8 MiB cost each service its budget, not the poll (issue 13)
    The hostile records are written while the services are paused (SIGSTOP, as a stalled
    process), so each service fetches all 100 of them at once when it resumes (about
    300 KiB on the wire), as a service catching up would.
    The services run with their defaults: the budget judged is the documented 64 MiB.
    The limit of 256 MiB is issue 13's goal for the consumer.

    Deviation: issue 13 sets a goal for the consumer only; the harness holds the exporter
    and the WebSocket server to the same 256 MiB, since they decode through the same path
    and the issue found them as exposed (443 MB and 211 MB).
    The records of tenant "acme" written after the hostile ones must all arrive, counted
    exactly once by every service and delivered to a dashboard client of that tenant.

    Given the quality aggregator is deployed with TENANT_ID "acme"
    And the consumer, the exporter and the WebSocket server run on the topic with their default settings
    And a client subscribed to tenant "acme" is connected
    When the consumer, the exporter and the WebSocket server are paused
    And an independent client writes 100 valid records of tenant "hostile" that each expand to 8 MiB
    And the consumer, the exporter and the WebSocket server resume
    And the quality aggregator writes 10 events on each of 2 threads
    Then the consumer, the exporter and the WebSocket server each count 120 messages received and no decode failure
    And every service still answers: the consumer's /metrics, the exporter's /readyz, the WebSocket server's /health
    And the peak resident memory of each service, read by the harness from /proc, is under 256 MiB
    And after a settle period, the client of tenant "acme" has a frame for each record of its tenant Kafka holds, each once
    And the consumer reports 0 duplicates, 0 gaps and 0 reorders

  @ids
  Scenario: Ids of hundreds of bytes of multi-byte characters are cut, never split, in frames and log lines (issue 13)
    Issue 13 found that five records with 540-byte ids made 1 MiB log lines, and 30 records
    with 1 MiB thread ids queued 188 MB of frames for one client. A frame or a log line
    carries an id of at most 256 bytes: whole characters of the id, then the marker "…[cut]".
    The thread here is 540 characters of three bytes each (1,620 bytes), arranged so that a
    cut at 256 bytes would fall inside a character.

    Given the consumer, the exporter and the WebSocket server run on the topic with their default settings
    And a client subscribed to tenant "acme" is connected
    When an independent client writes sequences 1, 2 and 5 of tenant "acme" on a thread whose id is 540 characters of three bytes
    Then the consumer, the exporter and the WebSocket server each count 3 messages received and no decode failure
    And after a settle period, the client of tenant "acme" has a frame for each record of its tenant Kafka holds, each once
    And every frame of the client of tenant "acme" carries the thread id cut to at most 256 bytes: whole characters of the id, then "…[cut]"
    And the consumer's record lines and its gap warning carry the thread id cut the same way, each line at most 2048 bytes
    And every service still answers: the consumer's /metrics, the exporter's /readyz, the WebSocket server's /health

  @ids @websocket
  Scenario: A thread id of hundreds of bytes of multi-byte characters does not stop the WebSocket server's stream
    Whatever an implementation's cut rule, a record with a long id must not stop its
    stream: every record written before and after it reaches a client, each once, in
    order. The thread is 540 characters of three bytes each (1,620 bytes), so a cut that
    counts bytes falls inside a character.

    Given the WebSocket server runs with its defaults
    And a client subscribed to tenant "default" is connected
    And a producer is writing 20 events per second on a thread
    When an independent client writes sequences 1, 2 and 3 of tenant "default" on a thread whose id is 540 characters of three bytes
    And the producer keeps writing for 3 seconds
    And the producer stops and its outstanding records are settled
    Then after a settle period, the client has a frame for every record Kafka holds, each once, in order

  @queue
  Scenario: A client that reads slowly costs the WebSocket server its byte queue, not 256 frames of any size (issue 13)
    Each client's queue is bounded in bytes (16 MiB by default) as well as in frames (256):
    a frame that does not fit drops the oldest ones, each counted as dropped, exactly as for
    a client too slow for the frame count. Here 300 records of 900 KiB each, near the size
    limit, go to a binary client that reads one frame every 2 seconds: 256 queued frames would
    be 225 MiB; 16 MiB holds about 18 of them.

    Deviation: the issue asks for a byte bound without a number for memory; the harness
    holds every service under 160 MiB here (the byte queue plus the decode budget and the
    process's own needs), well below the 225 MiB a queue bounded only in frames would hold
    for this one client, so a queue that ignores its byte bound fails.

    Given the consumer, the exporter and the WebSocket server run on the topic with their default settings
    And a binary client of tenant "acme" is connected, reading one frame every 2000 ms through a 4 KiB receive buffer
    When an independent client writes 300 valid uncompressed records of tenant "acme" of 900 KiB each
    Then the consumer, the exporter and the WebSocket server each count 300 messages received and no decode failure
    And the peak resident memory of each service, read by the harness from /proc, is under 160 MiB
    And every service still answers: the consumer's /metrics, the exporter's /readyz, the WebSocket server's /health
    When the slow client catches up
    Then the slow client got 60 frames or fewer, and the WebSocket server counted every one it missed as dropped
