# Monitoring tools and rule tests. Included by the top-level Makefile.
#
#   make tools           build the pinned prometheus, promtool, alertmanager, amtool into .bin/
#   make rules-test      promtool check + unit tests of the production rules, amtool check
#                        and routing tests, fast-profile checks (real binaries)
#   make rules-generate  regenerate fixtures/prometheus/generated/ from the production rules

GO ?= go
MONITORING_TOOLS := prometheus promtool alertmanager amtool
MONITORING_BIN := $(if $(DASHSTREAM_BIN_DIR),$(DASHSTREAM_BIN_DIR),.bin)

.PHONY: tools rules-test rules-generate

tools: ## build the pinned Prometheus, promtool, Alertmanager and amtool into .bin/ (first use only)
	$(GO) run ./system/tools/cmd/dsinstall $(MONITORING_TOOLS)

rules-generate: ## regenerate fixtures/prometheus/generated/ (the fast profile) from the production rules
	$(GO) run ./system/monitoring/profile/cmd/dsprofile

rules-test: tools ## promtool check and unit tests of the rules, amtool check, fast-profile checks (real binaries)
	$(GO) run ./system/monitoring/profile/cmd/dsprofile -check
	$(MONITORING_BIN)/promtool check rules fixtures/prometheus/rules/*.yml fixtures/prometheus/generated/*.yml
	$(MONITORING_BIN)/promtool test rules fixtures/prometheus/tests/*.yml
	$(MONITORING_BIN)/amtool check-config fixtures/alertmanager/alertmanager.yml
	$(GO) test ./system/monitoring/promcheck/... ./system/monitoring/profile/...
