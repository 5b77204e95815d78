@sequences
Feature: Sequence integrity
  Every message of a thread carries the next sequence number, so that the consumer can
  prove nothing was lost, repeated or reordered between the producer and itself. When
  data is lost, the consumer says exactly what is missing.

  Deviation: a message with sequence 0 (the bug of incident #9: every message stamped 0,
  so no loss can be seen) is counted as a zero-sequence violation of its own, logged and
  exposed as dashstream_sequence_zero_total. The incident's validator would have called it
  a duplicate (0 is below the expected 1). Wherever a scenario says the consumer reports no
  duplicates, gaps or reorders, the harness also requires 0 zero-sequence violations.

  Counts are exact: the consumer must have read exactly the records named, and nothing
  more once a settle period (1 s) has passed, and must have read to the end of the topic.

  Scenario: 100 messages on a thread arrive with sequences 1 to 100
    Given the quality aggregator writes 100 events on 1 thread
    Then 100 records are read back from Kafka by an independent decoder
    And the thread's sequences are exactly 1 to 100 in order

  @chaos @destructive @gap
  Scenario: Messages deleted before a slow consumer read them are reported as one gap
    The consumer is frozen and its connections are dropped before the new messages are
    written, so that no fetch it left open can carry them to it: they can reach it only
    after it resumes, from where it stopped, and by then they are deleted. The incident
    asks for the deletion of message 50 to be detected: it is, as a gap of exactly 1.

    Given a consumer has read the first 49 messages of a thread
    When the consumer falls behind and loses its connections while 51 more messages are written
    And messages up to 50 are deleted before the consumer reads them
    And the consumer catches up with 50 more records
    Then the consumer reports exactly 1 gap with expected 50 and received 51
    And the consumer logs the gap with the thread, expected 50 and received 51
    And the consumer reports 0 duplicates, 1 gap and 0 reorders
    And the consumer reports 1 message missing

  @chaos @destructive @gap
  Scenario: 300 messages deleted before a slow consumer read them are one gap of 300
    Given a consumer has read the first 49 messages of a thread
    When the consumer falls behind and loses its connections while 301 more messages are written
    And messages up to 349 are deleted before the consumer reads them
    And the consumer catches up with 1 more record
    Then the consumer reports exactly 1 gap with expected 50 and received 350
    And the consumer reports 300 messages missing
    And the consumer logs the gap with the thread, expected 50 and received 350
    And the consumer reports 0 duplicates, 1 gap and 0 reorders

  @chaos @duplicate
  Scenario: A replayed record is reported as a duplicate
    Given a consumer has read the first 10 messages of a thread
    When record 5 of the thread is replayed by an independent client
    And the consumer catches up with 1 more record
    Then the consumer reports 1 duplicate, 0 gaps and 0 reorders
    And the consumer logs 1 "sequence duplicate" warning for the thread

  @chaos @reorder
  Scenario: An older sequence that was never seen, written late, is reported as a reorder
    Sequences 75 then 11 are written by kcat after 1 to 10: 75 is a gap of 64 (11 to 74
    missing). 11 then arrives late, 64 below the highest sequence, the edge of the 64
    sequences the validator remembers per thread, and was never seen.

    Deviation: the incident's validator calls every sequence below the expected one a
    duplicate. The harness follows the wire contract: an older sequence never seen is a
    reorder, counted apart, so a late message is not mistaken for a repeated one.

    Given a consumer has read the first 10 messages of a thread
    When sequences 75 and 11 of the thread are written by an independent client
    And the consumer catches up with 2 more records
    Then the consumer reports 0 duplicates, 1 gap and 1 reorder
    And the consumer judged sequence 11 of the thread "reorder"
    And the consumer logs 1 "sequence reorder" warning for the thread
    And the consumer reports 64 messages missing

  @chaos @eviction
  Scenario: A thread evicted from a full sequence validator comes back without a false gap
    A consumer that tracks 1 thread forgets thread a when thread b arrives. Each comes
    back with a new baseline ("first"): an eviction never raises a gap.

    Deviation: the incident's validator keeps every thread forever. The harness requires
    bounded memory (100 000 threads by default, least recently seen evicted first) and
    that an eviction never raises a false alarm.

    Given a consumer that tracks at most 1 thread reads the topic
    When an independent client writes, on one partition, the messages a:1, b:3, b:4 and a:2
    And the consumer catches up with 4 more records
    Then the consumer reports 0 duplicates, 0 gaps and 0 reorders

  @chaos @zero
  Scenario: A message with sequence 0 is counted as a violation
    Given a consumer has read the first 10 messages of a thread
    When sequence 0 of the thread is written by an independent client
    And 2 more messages are written on the thread
    And the consumer catches up with 3 more records
    Then the consumer reports 1 zero-sequence violation, 0 duplicates, 0 gaps and 0 reorders
    And the consumer logs the zero sequence of the thread
    And the consumer judged sequence 11 of the thread "ok"

  @restart
  Scenario: A producer restarted mid-stream starts its threads at 1 again, seen as duplicates
    The sequence contract has no producer epoch: a producer keeps its counters in memory,
    as the incident's fix does, so a new producer process starts every thread at 1 again.
    The consumer cannot tell these new messages from repeated ones and, as the contract
    says, reports them as duplicates. Read duplicates after a producer restart this way.

    Given the quality aggregator writes 10 events on 1 thread
    And the quality aggregator writes 5 events on 1 thread
    When a consumer reads all 15 records
    Then the consumer reports 5 duplicates, 0 gaps and 0 reorders

  @restart
  Scenario: A consumer restarted mid-stream in its group raises no false gap
    Stopped gracefully, the consumer commits what it handled; started again in its group,
    it resumes after the last commit with a new baseline: its first record is "first",
    the rest "ok", and nothing is read twice.

    Given a consumer has read the first 20 messages of a thread
    When the consumer is restarted
    And 10 more messages are written on the thread
    And the consumer catches up with 10 more records
    Then the consumer reports 0 duplicates, 0 gaps and 0 reorders
    And the consumer judged sequence 21 of the thread "first"
    And the consumer judged sequence 30 of the thread "ok"

  Scenario: Many interleaved threads raise no false alarms
    Given the quality aggregator writes 50 events on each of 20 threads
    When a consumer reads all 1000 records
    Then the consumer reports 0 duplicates, 0 gaps and 0 reorders
