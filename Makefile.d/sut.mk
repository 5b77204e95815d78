# Other implementations of the DashStream contract (fixtures/sut/<name>.yml). Included by
# the top-level Makefile.
#
#   make sut-dashflow DASHFLOW_SRC=../dTOOL    build DashFlow's services into .bin/dashflow
#   make acceptance SUT=dashflow STACK=local   run the features against them

DASHFLOW_SRC ?=

.PHONY: sut-dashflow
sut-dashflow: ## build DashFlow's services (DASHFLOW_SRC: a dropbox/dTOOL checkout) with cargo into .bin/dashflow, for SUT=dashflow
	@scripts/sut-dashflow "$(DASHFLOW_SRC)"
