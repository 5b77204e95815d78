@backlog
Feature: A stopped consumer catches up with a backlog
  A consumer that was stopped while its topic kept growing resumes where its group left
  off when it starts again: it reads every record written while it was away exactly once,
  in order, and its group's lag, as Kafka computes it from the committed offsets, falls
  back to 0. The harness reads the lag from Kafka itself (kadm), not from the consumer.

  How long the backlog is: its records carry event times (the header's timestamp_us and
  the Kafka record timestamp) spread evenly over the 90 seconds before they are written,
  but they are written in a few seconds by the harness's own writer (continuing the
  thread's sequence), so the scenario takes seconds, not minutes. The consumer's work
  depends on the records, not on the wall clock, so this is the same backlog a minute's
  traffic leaves. What only a real minute would add is not exercised: the consumer stops
  gracefully and leaves its group at once, so no session times out.

  Deviation: the issue asks for a backlog longer than a minute; here the minute is in the
  records' event times, not in wall time, so that the embedded suite stays within its
  60 s (a real minute would add a minute to every run).

  Scenario: A consumer stopped through more than a minute of events reads every one of them exactly once
    Given a consumer has read the first 100 messages of a thread
    When the consumer is stopped
    Then its group's lag, read from Kafka by the harness, is 0
    When 1500 more messages with event times spread over 90 seconds are written on the thread
    Then its group's lag, read from Kafka by the harness, is 1500
    When the consumer is started again
    Then its group's lag, read from Kafka by the harness, falls to 0 within 30 seconds
    And the restarted consumer read each of the 1500 new messages exactly once, in order, and nothing else
