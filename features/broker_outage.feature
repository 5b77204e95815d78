@chaos @outage
Feature: Delivery survives broker outages
  When a broker dies, stops, freezes or drops off the network, the idempotent producer
  keeps every record it was told was written: after the broker is back, every
  acknowledged record is consumed exactly once, and writes resume within seconds.

  The harness keeps its own record of the producer's sends: how many it handed over, each
  acknowledgement with the time it arrived and where it says the record is, and each
  failure. The verdict compares that record with every record read back from the topic:
  each acknowledged record is there exactly once, at the offset its acknowledgement
  named; nothing is there that the harness never acknowledged, unless a failed send
  explains it. The producer waits out an outage (no delivery timeout), so a single-broker
  outage of seconds fails no send: the scenarios allow none. That the producer is
  idempotent is read from what the broker stored: the producer id of every record batch.
  A single broker acknowledges nothing while it is down, and how long it takes to answer
  again is the stack's (a tenth of a second for kfake, 7 s for a JVM), so the longest
  pause between acknowledgements is judged beyond the outage's own length (measured: at
  most 1.7 s on the embedded stack, 4.4 s on the local one).
  (On the embedded stack a killed kfake broker forgets which batches it wrote, so records
  it writes twice after a kill are shown in the report with that reason, not judged; a lost
  record always fails.)

  Deviation: the incident document's producer configuration has a 30 s send timeout; the
  reference producer has none (a record waits out an outage of any length) and these
  scenarios allow no failed send. Their outages last seconds, so a 30 s timeout would lose
  nothing either; a producer with a timeout shorter than an outage fails them.

  @destructive
  Scenario Outline: Every acknowledged record is consumed exactly once after a broker <outage>
    Given a producer is writing 20 events per second on a thread
    When broker 1 suffers a <outage> for 3 seconds
    Then the producer's writes are acknowledged again within 10 seconds of the broker's return
    When the producer stops and its outstanding records are settled
    Then the producer's acknowledgements never paused for more than 10 seconds beyond the outage, from the fault until it stopped
    And 0 of the producer's sends failed
    And every acknowledged record is consumed exactly once
    And every record in the topic was written by an idempotent producer

    @outage-kill
    Examples: a dead broker
      | outage |
      | kill   |

    @outage-stop
    Examples: a broker shut down gracefully
      | outage |
      | stop   |

    Examples: a frozen or unreachable broker
      | outage            |
      | pause             |
      | network-cut       |
      | network-blackhole |

  @destructive @multi-broker
  Scenario: A replicated cluster keeps acknowledging writes while a broker is killed
    The pause is measured from the kill to the first acknowledgement after the broker's
    return, between every two acknowledgements. With Kafka's defaults the partitions the
    killed broker led get a new leader only once it is fenced (broker.session.timeout.ms,
    9 s), so their writes pause about that long (9.2 s measured on the local stack); the
    limit allows for that.

    Given a cluster of 3 brokers
    And a producer is writing 20 events per second on a thread
    When broker 2 suffers a kill for 5 seconds
    Then the producer's writes are acknowledged throughout, never pausing for more than 20 seconds
    When the producer stops and its outstanding records are settled
    Then 0 of the producer's sends failed
    And every record in the topic was written by an idempotent producer
    And every acknowledged record is consumed exactly once

  @destructive @lost-acks
  Scenario: Writes whose acknowledgements are lost in a network cut are not written twice
    The broker's responses are held in the harness's proxy and the network is cut while
    they are held, so a batch the broker wrote can lose its acknowledgement and be sent
    again after the cut. An idempotent producer's resend is recognised by the broker;
    without idempotence it is written twice. Whether a response is lost depends on where
    it is when the cut comes (most runs lose one), so the producer's idempotence is also
    read from the broker's record batches, which does not depend on that timing.

    Given a producer is writing 20 events per second on a thread
    And broker 1's responses are delayed by 500 milliseconds
    When broker 1 suffers a network-cut for 3 seconds
    Then the producer's writes are acknowledged again within 10 seconds of the broker's return
    When the producer stops and its outstanding records are settled
    Then 0 of the producer's sends failed
    And every record in the topic was written by an idempotent producer
    And every acknowledged record is consumed exactly once
