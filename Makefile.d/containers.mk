# The containers stack (system/containers), its local images (images/) and the compose
# deployment (compose/). Included by the top-level Makefile.
#
#   make images                 build dashstream-local/<name>:dev FROM scratch, no registry needed
#   make containers-test        the containers stack, compose and images tests on the local images
#   make acceptance-containers  the acceptance suite on the containers stack (local images)
#   make test-containers        both and the containers stack's mutants, building the images
#                               once (what `make test` runs)
#   make acceptance STACK=containers
#                               the suite alone, on a daemon you started, images already built
#   make dockerd-start / dockerd-stop / dockerd-sweep
#
# Every target that needs Docker runs under `scripts/dockerd with`: it starts dockerd when
# none answers, and afterwards (also on failure and on Ctrl-C) removes the harness's
# leftover containers, networks and volumes and stops the dockerd it started.

LOCAL_IMAGES_ENV := \
  DASHSTREAM_IMAGE_KAFKA=dashstream-local/kafka:dev \
  DASHSTREAM_IMAGE_PROMETHEUS=dashstream-local/prometheus:dev \
  DASHSTREAM_IMAGE_ALERTMANAGER=dashstream-local/alertmanager:dev \
  DASHSTREAM_IMAGE_EXPORTER=dashstream-local/exporter:dev \
  DASHSTREAM_IMAGE_WSSERVER=dashstream-local/wsserver:dev \
  DASHSTREAM_IMAGE_PRODUCE=dashstream-local/produce:dev \
  DASHSTREAM_IMAGE_CONSUME=dashstream-local/consume:dev \
  DASHSTREAM_IMAGE_REDIS=dashstream-local/redis:dev

# `make acceptance STACK=containers` uses the local images unless the environment names
# others (the official images cannot be pulled without a registry).
ifeq ($(STACK),containers)
$(foreach kv,$(LOCAL_IMAGES_ENV),$(eval export $(subst =, ?= ,$(kv))))
endif

# The commands the targets below run, each inside `scripts/dockerd with`.
BUILD_IMAGES     := $(GO) run ./images -timeout 30m
CONTAINERS_TESTS := env $(LOCAL_IMAGES_ENV) DASHSTREAM_CONTAINERS_REQUIRED=1 \
  $(GO) test -race -count=1 -timeout 15m ./system/containers/... ./compose/... ./images/...
CONTAINERS_SUITE := $(MAKE) --no-print-directory acceptance STACK=containers BROKERS=1
# The mutants of the containers stack's own code, which the embedded self-test leaves out.
CONTAINERS_SELFTEST := env $(LOCAL_IMAGES_ENV) $(GO) run ./steps/gateselftest -stack=containers -stack-only

.PHONY: images containers-deps containers-test acceptance-containers test-containers dockerd-start dockerd-stop dockerd-sweep

dockerd-start: ## start a Docker engine (installs docker.io on first use) with ports on 127.0.0.1
	@scripts/dockerd start

dockerd-stop: ## stop the Docker engine scripts/dockerd started
	@scripts/dockerd stop

dockerd-sweep: ## remove the containers, networks and volumes of finished or killed harness runs
	@scripts/dockerd sweep

images: tools kafka-jars ## build the local images (dashstream-local/<name>:dev) without a registry; needs a Docker daemon
	$(BUILD_IMAGES)

# What the images (jlink from a JDK, Prometheus, Alertmanager, the Kafka jars, Redis) and
# the compose tests need.
containers-deps: tools kafka-jars
	@scripts/ensure-packages jlink=openjdk-17-jdk-headless docker-compose=docker-compose redis-server=redis-server

containers-test: containers-deps ## dockerd + local images + the containers stack and compose tests (bounded: 45 min)
	@scripts/dockerd with timeout 45m bash -c '$(BUILD_IMAGES) && $(CONTAINERS_TESTS)'

acceptance-containers: containers-deps ## dockerd + local images + the acceptance suite on the containers stack
	@scripts/dockerd with timeout 45m bash -c '$(BUILD_IMAGES) && $(CONTAINERS_SUITE)'

# One dockerd session, the images built once; the suite runs even when the tests failed,
# and the target fails if either did.
test-containers: containers-deps ## containers-test, acceptance-containers and the containers stack's mutants in one Docker session (make test)
	@scripts/dockerd with timeout 55m bash -c '$(BUILD_IMAGES) || exit $$?; s=0; \
	  $(CONTAINERS_TESTS) || s=$$?; $(CONTAINERS_SUITE) || s=$$?; $(CONTAINERS_SELFTEST) || s=$$?; exit $$s'
