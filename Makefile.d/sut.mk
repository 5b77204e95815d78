# Other implementations of the DashStream contract (fixtures/sut/<name>.yml). Included by
# the top-level Makefile.
#
#   make sut-dashflow DASHFLOW_SRC=../dTOOL    build DashFlow's services into .bin/dashflow
#   make acceptance SUT=dashflow STACK=local   run the features against them
#   make sut-dashflow-images                   their images (FROM scratch, from that build),
#                                              for SUT=dashflow STACK=containers

DASHFLOW_SRC ?=

.PHONY: sut-dashflow
sut-dashflow: ## build DashFlow's services (DASHFLOW_SRC: a dropbox/dTOOL checkout) with cargo into .bin/dashflow, for SUT=dashflow
	@scripts/sut-dashflow "$(DASHFLOW_SRC)"

.PHONY: sut-dashflow-images
sut-dashflow-images: ## build DashFlow's images (dashstream-local/dashflow-*:dev) from the make sut-dashflow build; needs a Docker daemon
	@scripts/dockerd with $(GO) run ./images dashflow-websocket-server dashflow-prometheus-exporter
