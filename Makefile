# DashStream Acceptance. The two set-up commands are `make acceptance` and `make test`;
# both install what they need on first use.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
STACK     ?= embedded
BROKERS   ?= 1
TAGS      ?=
SUT       ?= reference
BIN       := $(CURDIR)/.bin
PKGS      := ./...
FUZZTIME  ?= 5s

export GOFLAGS ?= -buildvcs=false

-include Makefile.d/*.mk

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.PHONY: test
test: deps check-generated vet tidy-check rules-test unit fuzz-short acceptance-embedded acceptance-local gate-selftest test-containers ## the whole test suite (unit, rules, fuzz, embedded and local acceptance, gate self-test, containers stack)

.PHONY: deps
deps: tools kafka-jars report-deps ## install what the suites need: pinned Prometheus and Alertmanager, Kafka jars, chromium, kcat
	@scripts/ensure-packages kcat=kcat redis-server=redis-server

.PHONY: vet
vet: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

.PHONY: unit
unit: ## unit and integration tests (real Kafka, Prometheus, Alertmanager where a test needs them)
	$(GO) test -race -count=1 -timeout 20m -skip '^TestFeatures$$' $(PKGS)

.PHONY: fuzz-short
fuzz-short: ## run every fuzz target briefly (FUZZTIME each)
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' $(PKGS) | while read -r pkg dir; do \
	  for f in $$(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' $$dir/*_test.go 2>/dev/null | awk '{print $$2}'); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

.PHONY: generate
generate: ## regenerate protobuf Go code from reference/wire/dspb/dashstream.proto
	@scripts/ensure-packages protoc=protobuf-compiler
	GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go
	protoc --plugin=protoc-gen-go=$(BIN)/protoc-gen-go --go_out=. \
	  --go_opt=module=github.com/dashstream/acceptance reference/wire/dspb/dashstream.proto

.PHONY: check-generated
check-generated: ## fail if the generated protobuf code differs from a fresh generation (made in a temporary folder; the tree is left alone)
	@scripts/ensure-packages protoc=protobuf-compiler
	@GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  protoc --plugin=protoc-gen-go=$(BIN)/protoc-gen-go --go_out="$$tmp" \
	    --go_opt=module=github.com/dashstream/acceptance reference/wire/dspb/dashstream.proto; \
	  diff -u reference/wire/dspb/dashstream.pb.go "$$tmp/reference/wire/dspb/dashstream.pb.go" || \
	  { echo "generated code is stale: run 'make generate' and commit the result"; exit 1; }

.PHONY: tidy-check
tidy-check: ## fail if go.mod or go.sum are not tidy (go mod tidy -diff)
	$(GO) mod tidy -diff

.PHONY: check
check: vet tidy-check ## the inner loop (a few minutes): gofmt, go vet, go mod tidy, unit tests, the embedded gate
	$(GO) test -count=1 -timeout 20m -skip '^TestFeatures$$' $(PKGS)
	@$(MAKE) --no-print-directory acceptance STACK=embedded

.PHONY: acceptance
# The suite runs as a compiled test binary so that its exit code is the gate's: 0 PASS,
# 1 FAIL, 3 INCOMPLETE (go test would turn every failure into 1). make reports it as
# "Error 1" or "Error 3".
acceptance: tools ## the acceptance suite on STACK (embedded|local|containers|external) against SUT (a profile in fixtures/sut), TAGS to filter: the release gate (exit 0 PASS, 1 FAIL, 3 INCOMPLETE)
	@mkdir -p $(BIN)/repo
	$(GO) test -c -o $(BIN)/repo/steps.test ./steps
	cd steps && $(BIN)/repo/steps.test -test.count=1 -test.timeout 30m -test.run '^TestFeatures$$' -test.v \
	  -stack=$(STACK) -brokers=$(BROKERS) -sut='$(SUT)' $(if $(RELEASE_PROFILE),-release-profile='$(RELEASE_PROFILE)') \
	  $(if $(TAGS),-godog.tags='$(TAGS)') $(FEATURES)

.PHONY: acceptance-embedded acceptance-local
acceptance-embedded:
	@$(MAKE) --no-print-directory acceptance STACK=embedded
acceptance-local: ## the suite on real Kafka: one broker, then the multi-broker scenarios on three
	@$(MAKE) --no-print-directory acceptance STACK=local
	@$(MAKE) --no-print-directory acceptance STACK=local BROKERS=3 TAGS=@multi-broker

.PHONY: godog
godog: ## install the godog CLI (the version in go.mod) into .bin/: cd steps && ../.bin/godog run ../features/x.feature
	GOBIN=$(BIN) $(GO) install github.com/cucumber/godog/cmd/godog@$$($(GO) list -m -f '{{.Version}}' github.com/cucumber/godog)

.PHONY: clean
clean: ## remove downloaded tools, jars and reports
	rm -rf .bin reports

.PHONY: gate-selftest
gate-selftest: tools ## prove the gate: every mutant in steps/gateselftest/mutants builds and is killed by its guarding scenario at its guarding step
	$(GO) run ./steps/gateselftest -stack=$(STACK)
