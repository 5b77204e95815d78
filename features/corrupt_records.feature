@corruption
Feature: Records that are not DashStream never stop the pipeline
  Anything on the topic that does not decode (random bytes, a wrong framing byte, a cut
  zstd frame, a decompression bomb) is counted by reason and copied to the dead-letter
  topic, and every valid record after it is still consumed.

  The dead-letter topic is read until nothing new arrives for a settle period (1 s): it
  must then hold exactly the records named, each the copy of one corrupt record with the
  headers the consumer promises (dlq_reason, dlq_error, source_topic, source_partition,
  source_offset) followed by the original key, value and headers.

  Scenario Outline: <kind> records are counted as "<reason>", dead-lettered, and skipped
    Given an independent client writes 3 <kind> records to the topic
    And the quality aggregator writes 10 events on each of 2 threads
    When a consumer reads all 23 records
    Then the consumer counts 3 decode failures for reason "<reason>"
    And the dead-letter topic holds 3 records with reason "<reason>"
    And the consumer reports 0 duplicates, 0 gaps and 0 reorders

    Examples:
      | kind           | reason     |
      | garbage        | framing    |
      | wrong-framing  | framing    |
      | truncated-zstd | decompress |
      | bad-protobuf   | protobuf   |
      | bomb           | too_large  |

  @regression
  Scenario: Compressed records decode without a single failure
    Given the quality aggregator writes 25 events of 2048 bytes on 2 threads
    Then 50 records are read back from Kafka by an independent decoder
    And every record read back was compressed with zstd
    When a consumer reads all 50 records
    Then the consumer counts no decode failures

  # The dead-letter copy of a value above the maximum payload is not judged here: the copy
  # is larger than a Kafka record may be, so the consumer counts it as a failed DLQ write.
  Scenario: Records above the maximum payload are counted as "too_large" and skipped
    Given an independent client writes 3 oversized records to the topic
    And the quality aggregator writes 10 events on each of 2 threads
    When a consumer reads all 23 records
    Then the consumer counts 3 decode failures for reason "too_large"
    And the consumer reports 0 duplicates, 0 gaps and 0 reorders

  @chaos @burst
  Scenario: A burst of corrupt records between valid ones, and the way back
    A burst of 20 cut zstd frames, each with a header of its own, lands between a thread's
    messages 10 and 11. The way back: every valid message after the burst is consumed, in
    sequence, with no gap; the dead-letter copies carry the original header.

    Given a consumer has read the first 10 messages of a thread
    When an independent client writes 20 truncated-zstd records with a header on the thread
    And 10 more messages are written on the thread
    And the consumer catches up with 30 more records
    Then the consumer counts 20 decode failures for reason "decompress"
    And the consumer logs 20 undecodable records with reason "decompress"
    And the dead-letter topic holds 20 records with reason "decompress"
    And the consumer reports 0 duplicates, 0 gaps and 0 reorders
    And the consumer judged sequence 11 of the thread "ok"
    And the consumer judged sequence 20 of the thread "ok"

  @chaos @burst
  Scenario: A dead-letter copy that fails is counted, and consumption goes on
    The dead-letter topic takes records of at most 70 bytes, so every copy of a corrupt
    record fails: each failure is counted and logged, and the valid messages after them
    are still consumed, in sequence.

    Given the dead-letter topic accepts records of at most 70 bytes
    And a consumer has read the first 10 messages of a thread
    When an independent client writes 5 garbage records on the thread
    And 10 more messages are written on the thread
    And the consumer catches up with 15 more records
    Then the consumer counts 5 failed dead-letter copies and logs each
    And the consumer counts 5 decode failures for reason "framing"
    And the consumer reports 0 duplicates, 0 gaps and 0 reorders
    And the consumer judged sequence 20 of the thread "ok"
