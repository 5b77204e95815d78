@sequences
Feature: Sequence integrity
  Every message of a thread carries the next sequence number, so that the consumer can
  prove nothing was lost, repeated or reordered between the producer and itself. When
  data is lost, the consumer says exactly what is missing.

  Scenario: 100 messages on a thread arrive with sequences 1 to 100
    Given the quality aggregator writes 100 events on 1 thread
    Then 100 records are read back from Kafka by an independent decoder
    And the thread's sequences are exactly 1 to 100 in order

  @chaos
  Scenario: Messages deleted before a slow consumer read them are reported as one gap
    Given a consumer has read the first 49 messages of a thread
    When the consumer falls behind while 51 more messages are written
    And messages up to 50 are deleted before the consumer reads them
    And the consumer catches up with 50 more records
    Then the consumer reports exactly 1 gap with expected 50 and received 51
    And the consumer logs the gap with the thread, expected 50 and received 51
    And the consumer reports 0 duplicates, 1 gap and 0 reorders

  @chaos
  Scenario: A replayed record is reported as a duplicate
    Given a consumer has read the first 10 messages of a thread
    When record 5 of the thread is replayed by an independent client
    And the consumer catches up with 1 more record
    Then the consumer reports 1 duplicate, 0 gaps and 0 reorders

  Scenario: Many interleaved threads raise no false alarms
    Given the quality aggregator writes 50 events on each of 20 threads
    When a consumer reads all 1000 records
    Then the consumer reports 0 duplicates, 0 gaps and 0 reorders
