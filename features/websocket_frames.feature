@websocket @ws-contract
Feature: WebSocket frames and refusals are exactly as documented
  A dashboard depends on the frame format: JSON frames with the documented fields, or
  binary frames holding the Kafka record value byte for byte. The harness decodes JSON
  frames itself from the documented field names (a missing field fails by name) and
  compares binary frames with the records it reads from Kafka with its own client.
  Refusals happen before the upgrade, with the documented HTTP status.

  Scenario: Frames carry what Kafka holds, and bad requests are refused with the documented codes
    Given the WebSocket server runs with a token granted tenant "acme" and a read limit of 4096 bytes
    Then a client of tenant "acme" is refused with HTTP 401
    And a client of tenant "bad tenant!" with the token is refused with HTTP 400
    And a client of tenant "acme" with the token and format "xml" is refused with HTTP 400
    And a client of tenant "acme" with the token from Origin "https://evil.example" is refused with HTTP 403
    When a JSON client and a binary client of tenant "acme" are connected with the token
    And tenant "acme" writes 20 events on one thread, 100 a second
    Then every JSON frame carries the documented fields and the topic, partition and offset of one of the tenant's Kafka records, each once
    And every binary frame is exactly the value of the tenant's next Kafka record
    And a client that sends a message of 5000 bytes is closed with 1009
