@websocket @ws-limits
Feature: The WebSocket server bounds its connections (issue 13)
  Issue 13 found that the server accepted 2,000 WebSocket connections, kept idle
  connections open for 40 seconds and more, never pinged its clients, and accepted
  settings that made every connection panic or its logging busy-loop. Now it caps its
  open connections (a connection past the cap gets 503 and is counted), closes a
  kept-alive HTTP connection after its idle timeout, pings every client and drops the one
  that does not answer in time, and refuses a setting out of its documented range with
  one line and exit status 2.

  The harness counts accepted and refused connections at its own client side, times
  the server's close of a connection it holds itself, and decodes the frames a silent
  client receives (it must see a ping before it is dropped). The server's own refusal
  counter is shown beside the harness's count, never instead of it.

  @ws-cap
  Scenario: Thousands of connections past the cap are refused while a granted client keeps receiving
    Given the WebSocket server runs with these token grants and a cap of 50 connections:
      | token       | tenants |
      | acme-reader | acme    |
    And a client of tenant "acme" with the token "acme-reader" is connected
    When 2000 more connections for tenant "acme" with the token "acme-reader" are attempted, 100 at a time, each held open once accepted
    Then at most 49 of them were accepted and the harness saw every other one refused
    When tenants "acme" each write 20 events on each of 2 threads with the same thread names, at the same time, to the same topic
    Then after a settle period of 2 seconds, every client has exactly its tenant's frames: each thread's sequences once and in order
    And once the held connections are closed, the server's own count of refused connections is shown beside the harness's

  @ws-idle
  Scenario: A kept-alive connection that stays idle is closed after the idle timeout, and oversized headers are refused
    Given the WebSocket server runs with an HTTP idle timeout of 2 seconds
    Then a connection that made one /health request and then stays silent is closed by the server between 1 and 3 seconds after the response
    And a /health request with 64 KiB of headers is refused with HTTP 431

  @ws-ping
  Scenario: A client that does not answer pings is dropped, one that answers stays
    The HTTP read and write timeouts bound requests, not streams: the answering client
    stays connected well past them.

    Given the WebSocket server pings every 1 second and waits 1 second for the pong, with HTTP read and write timeouts of 1 second
    And a client subscribed to tenant "acme" is connected
    Then a client of tenant "acme" that never answers a ping is sent a ping and disconnected within 4 seconds
    And the client of tenant "acme", which answers pings, is still connected 3 seconds later

  @ws-settings
  Scenario Outline: A setting out of its range is refused at start with one line
    When the WebSocket server is started with <setting> set to "<value>"
    Then it exits with status 2 within 10 seconds
    And its error names the rule "<rule>"

    Examples:
      | setting              | value               | rule                                       |
      | WS_QUEUE_SIZE        | 4611686018427387904 | is outside 1..65536                        |
      | LOG_DEDUP_INTERVAL   | 1ns                 | is outside 100ms..24h0m0s                  |
      | WS_ALLOWED_ORIGINS   | [                   | WS_ALLOWED_ORIGINS: bad allowed origin     |
      | WS_MAX_CONNECTIONS   | 0                   | is outside 1..100000                       |
      | WS_PING_TIMEOUT      | 0s                  | is outside 100ms..5m0s                     |
      | WS_AUTH_TOKEN        | 0123456789abcdef    | WS_AUTH_TOKEN is no longer read            |
      | WS_AUTH_TOKENS       | short acme          | entry 1: token of 5 bytes                  |
      | WS_ADDR              | 0.0.0.0:0           | no token grants and listen address         |
