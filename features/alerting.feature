@alerting
Feature: Alerts fire for real and reach the right people
  The production alert rules, scaled by one documented transformation to second-long
  windows, are loaded into a real Prometheus. Each condition is made true for real; the
  alert reaches the right receiver of a real Alertmanager (critical → pager, everything
  else → team) as a webhook delivery, and resolves once the condition clears.

  Background:
    Given the exporter consumes the scenario's topic and Prometheus scrapes it

  Scenario: The six alert rules are loaded with their severities
    Then Prometheus has loaded these alerts:
      | alert                 | severity |
      | MessageLossDetected   | critical |
      | HighDecodeErrorRate   | high     |
      | ConsumerLagHigh       | medium   |
      | E2ELatencyHigh        | medium   |
      | ServiceDown           | critical |
      | DecompressionFailures | high     |

  Scenario: A stopped exporter pages as ServiceDown and resolves when it is back
    When the exporter is stopped
    Then "ServiceDown" fires and reaches the "pager" receiver within 15 seconds
    When the exporter is started again
    Then "ServiceDown" is resolved within 30 seconds

  Scenario: A lost message pages as MessageLossDetected
    When 100 messages are written on a thread and message 50 is lost on the way to the exporter
    Then the exporter counts exactly 1 sequence gap
    And "MessageLossDetected" fires and reaches the "pager" receiver within 15 seconds
    And "MessageLossDetected" is resolved within 30 seconds

  Scenario Outline: A steady share of <kind> records raises <alert> to the team
    When 1 in 4 records on the exporter's topic is a <kind> record from now on
    Then "<alert>" fires and reaches the "team" receiver within 30 seconds
    When the corrupt records stop
    Then "<alert>" is resolved within 40 seconds

    Examples:
      | kind           | alert                 |
      | garbage        | HighDecodeErrorRate   |
      | truncated-zstd | DecompressionFailures |

  Scenario: A consumer that falls behind raises ConsumerLagHigh to the team
    Given a consumer has read the first 10 messages of a thread
    When the consumer falls behind while 12000 more messages are written
    Then "ConsumerLagHigh" fires and reaches the "team" receiver within 30 seconds
    When the consumer resumes and its group's lag falls to 0 within 30 seconds
    Then "ConsumerLagHigh" is resolved within 40 seconds

  @chaos @destructive
  Scenario: Delayed delivery raises E2ELatencyHigh to the team
    Given a producer is writing 20 events per second on a thread
    When broker 1's responses are delayed by 1000 milliseconds
    Then "E2ELatencyHigh" fires and reaches the "team" receiver within 40 seconds
    When the delay ends
    Then "E2ELatencyHigh" is resolved within 60 seconds
