@exporter
Feature: A wrong broker address never becomes a retry storm
  The exporter this replaces sent 10.2 GB trying to reach a broker it could not. With an
  unresolvable, refusing or hanging broker address, the exporter backs off, says once in
  its log and in /readyz what is wrong, and becomes ready as soon as the address is fixed.

  Scenario Outline: With a broker address that <problem>, the exporter backs off and recovers when fixed
    Given the exporter runs with a broker address that <problem>
    Then over 20 seconds it makes at most 8 connection attempts and sends at most 1024 bytes
    And /readyz answers 503 with the reason
    And it logs the connection error at most once
    When the exporter is restarted with the right broker address
    Then /readyz answers 200 within 15 seconds

    Examples:
      | problem                               |
      | is unresolvable                       |
      | refuses connections                   |
      | accepts connections and never answers |

  Scenario: With the right broker address the exporter counts traffic and Prometheus sees it up
    Given the exporter consumes the scenario's topic and Prometheus scrapes it
    When the quality aggregator writes 20 events on 1 thread
    Then the exporter counts 20 messages received

  @regression
  Scenario: A producer clock running ahead never yields a negative latency
    Given the exporter consumes the scenario's topic and Prometheus scrapes it
    When a producer whose clock is 5 seconds ahead writes 10 events
    Then the exporter counts 10 negative latencies and observes none of them
