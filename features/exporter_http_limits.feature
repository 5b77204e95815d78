@exporter @exporter-http
Feature: The exporter's HTTP server bounds its connections and requests (issue 13)
  Issue 13 found that the services' HTTP servers had only a header read timeout: no idle
  timeout, no connection cap, no limit on request headers. The exporter now serves with
  the same limits as the WebSocket server (reference/internal/httplimit, at its defaults:
  read and write 30 s, idle 60 s, headers 16 KiB, 1024 connections): a connection past
  the cap gets 503 and is counted, oversized headers get 431.

  The harness counts answered and refused connections at its own client side; the
  exporter's own refusal counter is shown beside that count, never instead of it.

  Scenario: Past its cap of 1024 connections the exporter refuses more, and oversized headers get 431
    Given the exporter consumes the scenario's events topic
    Then a /metrics request to the exporter with 64 KiB of headers is refused with HTTP 431
    When 1500 connections to the exporter's /healthz are attempted, 100 at a time, each held open once answered
    Then at most 1024 of them were answered and the harness saw every other one refused
    And once the held connections are closed, the exporter's own count of refused connections is shown beside the harness's
