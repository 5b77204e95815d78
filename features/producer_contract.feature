@producer
Feature: The producer keeps the wire contract
  Every record the producer writes is read back from Kafka and decoded by the harness's
  own decoder, written from the wire contract and not from the pipeline's code, so the
  producer never vouches for itself. The promises are those of the reference producer and
  wire format: the record key is the thread, the record header "tenant_id" repeats the
  protobuf tenant, every header field is the producer's to fill, sequences run 1, 2, 3 per
  tenant and thread, and a value is zstd-compressed only when its message is above 512
  bytes and compressing makes it smaller.

  Most records come from the quality aggregator as it is deployed. Two scenarios hand the
  reference producer messages in-process instead, because the aggregator cannot make
  them: a header a caller filled with claims, and messages sized to the byte around the
  threshold.

  Deviation: the wire contract asks for a 16-byte UUID as message id; the harness asks
  for a UUID version 4, as the producer promises and the original producer wrote
  (new_v4 in the incident document).

  Deviation: the contract gives no tolerance for timestamp_us; the harness requires it
  to lie between the moments it started and finished the write, with no allowance for
  clock skew, because the producer runs as a child process of the harness on every stack
  and so reads the same clock.

  Scenario: Every record carries the producer's complete header
    Given the quality aggregator with TENANT_ID "acme" writes 25 events on each of 2 threads
    Then 50 records are read back from Kafka by an independent decoder
    And every record's key is its thread id
    And every record's "tenant_id" record header equals its protobuf tenant
    And every message_id is a 16-byte UUID version 4
    And no two records share a message_id
    And every timestamp_us lies within the write that sent it
    And every record has schema_version 1
    And every record's type is the kind of its payload
    And every record's compression field mirrors its framing
    And the sequences of every tenant and thread are exactly 1 to 25 in order

  Scenario: Two tenants writing the same thread names each get sequences from 1
    Given the quality aggregator with TENANT_ID "acme" writes 10 events on each of 2 threads
    And the quality aggregator with TENANT_ID "globex" writes 10 events on each of 2 threads
    Then 40 records are read back from Kafka by an independent decoder
    And the records hold 2 tenants on the same 2 thread ids
    And the sequences of every tenant and thread are exactly 1 to 10 in order
    And every record's "tenant_id" record header equals its protobuf tenant
    And no two records share a message_id

  Scenario: Quality events are Metrics records typed as such
    Given the quality aggregator with TENANT_ID "acme" writes 5 quality events on each of 2 threads
    Then 10 quality records are read back from Kafka by an independent decoder
    And every record is a metrics payload with scope "quality"
    And every record's type is the kind of its payload
    And every record's key is its thread id
    And the sequences of every tenant and thread are exactly 1 to 5 in order

  Scenario: The producer owns the header: what a caller put there is replaced
    Given a caller hands the producer 3 error messages whose header claims another type, tenant, sequence, message id, timestamp, schema version and compression
    Then 3 records are read back from Kafka by an independent decoder
    And every record's type is the kind of its payload
    And every record read back carries tenant_id "default"
    And every record's key is its thread id
    And the sequences of every tenant and thread are exactly 1 to 3 in order
    And every message_id is a 16-byte UUID version 4
    And no two records share a message_id
    And every timestamp_us lies within the write that sent it
    And every record has schema_version 1
    And every record's compression field mirrors its framing

  Scenario Outline: A <size>-byte <padding> padding is <framing>-framed
    Given the quality aggregator with TENANT_ID "acme" writes 10 events with <size> bytes of <padding> padding on 1 thread
    Then 10 records are read back from Kafka by an independent decoder
    And every record's message is <relation> 512 bytes
    And every record read back is <framing>-framed
    And every record's compression field mirrors its framing

    Examples:
      | padding | size | relation    | framing |
      | text    | 500  | larger than | zstd    |
      | text    | 300  | at most     | plain   |
      | random  | 2000 | larger than | plain   |

  Scenario Outline: The threshold is exact: a message of <size> bytes is <framing>-framed
    Given a caller hands the producer 5 events of exactly <size> bytes of compressible text
    Then 5 records are read back from Kafka by an independent decoder
    And every record's message is exactly <size> bytes
    And every record read back is <framing>-framed
    And every record's compression field mirrors its framing

    Examples:
      | size | framing |
      | 512  | plain   |
      | 513  | zstd    |
