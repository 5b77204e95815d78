@websocket @authorization
Feature: A WebSocket client reads only the tenants its token is granted (issue 13)
  Issue 13 found that the tenant was whatever "?tenant=" said: without a token anyone read
  every tenant, one token opened every tenant, and the origin check trusted the Host
  header, so a page served from a rebound DNS name could read all tenants from
  127.0.0.1. Now each token is bound to the tenants it may read. A request without a
  known token gets 401, a request for a tenant the token is not granted gets 403, and a
  browser page gets 403 unless its origin is on the server's explicit list.

  The harness judges from outside: the refused requests are made byte by byte on
  connections the harness keeps open for the whole scenario, and every byte the server
  sends after its refusal is counted (there must be none); granted clients decode every
  frame they receive and must hold their own tenant's records, each once, and nothing
  else.

  Deviation: the refused connections stay open through the traffic and a settle period
  of 2 seconds, instead of being checked only at the handshake, so a server that refused
  with a status and streamed anyway would be caught.

  Scenario: A token reads its tenants and is refused every other one
    Given the WebSocket server runs with these token grants:
      | token         | tenants |
      | acme-reader   | acme    |
      | globex-reader | globex  |
    Then a client asking for tenant "globex" with the token "acme-reader" is refused with HTTP 403 and keeps listening
    And a client asking for tenant "acme" with the token "globex-reader" is refused with HTTP 403 and keeps listening
    And a client asking for tenant "acme" without a token is refused with HTTP 401 and keeps listening
    And a client asking for tenant "acme" with an unknown token is refused with HTTP 401 and keeps listening
    And a client asking for tenant "acme" with the token "acme-reader" from the server's own address as Origin is refused with HTTP 403 and keeps listening
    When a client of tenant "acme" with the token "acme-reader" is connected
    And a client of tenant "globex" with the token "globex-reader" is connected
    And tenants "acme,globex" each write 20 events on each of 2 threads with the same thread names, at the same time, to the same topic
    Then after a settle period of 2 seconds, every client has exactly its tenant's frames: each thread's sequences once and in order
    And over the whole scenario and a settle period of 2 seconds, no refused client received a byte after its refusal
