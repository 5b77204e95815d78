# Real Apache Kafka for the `local` stack (system/kafkalocal). Included by the Makefile.
KAFKA_VERSION ?=

.PHONY: kafka-jars
kafka-jars: ## resolve the Apache Kafka broker jars with Maven into .bin/kafka-libs/ (and record the JVM class-data archive)
	$(GO) run ./system/kafkalocal/cmd/kafkalocal jars $(if $(KAFKA_VERSION),-version $(KAFKA_VERSION))

.PHONY: kafka-startup
kafka-startup: ## measure how long 1 and 3 real Kafka brokers take to start
	$(GO) run ./system/kafkalocal/cmd/kafkalocal startup -brokers 1 -runs 3 $(if $(KAFKA_VERSION),-version $(KAFKA_VERSION))
	$(GO) run ./system/kafkalocal/cmd/kafkalocal startup -brokers 3 -runs 3 $(if $(KAFKA_VERSION),-version $(KAFKA_VERSION))
