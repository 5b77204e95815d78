@tenants
Feature: Tenant tagging
  The quality aggregator stamps the tenant of its deployment (TENANT_ID) on every message,
  so one topic can carry many customers. A tenant id that could break routing is refused
  before anything is written.

  Scenario: The tenant from TENANT_ID is on every record
    Given the quality aggregator is deployed with TENANT_ID "customer-123"
    When it writes 20 quality events on 2 threads
    Then 40 quality records are read back from Kafka by an independent decoder
    And every record read back carries tenant_id "customer-123"

  Scenario: Without TENANT_ID the tenant is "default"
    Given the quality aggregator is deployed without TENANT_ID
    When it writes 10 quality events on 1 thread
    Then 10 quality records are read back from Kafka by an independent decoder
    And every record read back carries tenant_id "default"

  Scenario Outline: An invalid tenant id is refused and nothing is written
    Given the quality aggregator is deployed with TENANT_ID set to <tenant>
    When it tries to write 10 quality events on 1 thread
    Then it exits with status 2 within 10 seconds
    And its error names the rule "<rule>"
    And the quality topic holds no records

    Examples:
      | tenant          | rule                     |
      | (empty)         | empty                    |
      | (65 characters) | longer than 64           |
      | a/b             | not in [A-Za-z0-9_-]     |
      | tenänt          | not in [A-Za-z0-9_-]     |
