# Soak: reliability evidence for the harness (flaky scenarios, fuzzing, leaks, the ws and
# delivery soaks). See soak/doc.go. The summary goes to reports/soak/<UTC>.json and latest.json.
SOAK_EMBEDDED_RUNS ?= 20
SOAK_LOCAL_RUNS    ?= 5
SOAK_FUZZTIME      ?= 5m
SOAK_PHASES        ?= flakes,fuzz,leaks,ws,delivery

.PHONY: soak
soak: tools kafka-jars ## reliability soak: the suite SOAK_EMBEDDED_RUNS x embedded and SOAK_LOCAL_RUNS x local, fuzzing (SOAK_FUZZTIME per target), leak checks, ws and delivery (SOAK_PHASES); fails on any flake, crash or leak
	@$(GO) build -o $(BIN)/dssoak ./soak/cmd/dssoak
	$(BIN)/dssoak -phases='$(SOAK_PHASES)' -embedded-runs=$(SOAK_EMBEDDED_RUNS) \
	  -local-runs=$(SOAK_LOCAL_RUNS) -fuzztime=$(SOAK_FUZZTIME)
