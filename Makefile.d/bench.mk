# Performance evidence (bench/, bench/cmd/dsbench). Included by the top-level Makefile.
#
#   make bench                          the issue's figures (about 10-15 min on 2 cores)
#   make bench BENCH_FLAGS='-records 20000 -runs 1 -reps 2 -bench-count 1'   a quick check
#
# Installs what it needs first: kcat, the Kafka jars, the pinned Prometheus and Alertmanager.

BENCH_FLAGS ?=

.PHONY: bench
bench: tools kafka-jars ## measure producer/consumer vs kcat, the validator, alert latency and recovery; JSON in reports/bench/
	@scripts/ensure-packages kcat=kcat
	$(GO) run ./bench/cmd/dsbench $(BENCH_FLAGS)
