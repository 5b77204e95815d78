# The containers stack (system/containers), its local images (images/) and the compose
# deployment (compose/). Included by the top-level Makefile.
#
#   make images           build dashstream-local/<name>:dev FROM scratch, no registry needed
#   make containers-test  start dockerd (if none answers), build the images, run the
#                         containers stack and compose tests against the local images, and
#                         stop the dockerd this target started
#   make dockerd-start / dockerd-stop

LOCAL_IMAGES_ENV := \
  DASHSTREAM_IMAGE_KAFKA=dashstream-local/kafka:dev \
  DASHSTREAM_IMAGE_PROMETHEUS=dashstream-local/prometheus:dev \
  DASHSTREAM_IMAGE_ALERTMANAGER=dashstream-local/alertmanager:dev \
  DASHSTREAM_IMAGE_EXPORTER=dashstream-local/exporter:dev \
  DASHSTREAM_IMAGE_WSSERVER=dashstream-local/wsserver:dev \
  DASHSTREAM_IMAGE_PRODUCE=dashstream-local/produce:dev \
  DASHSTREAM_IMAGE_CONSUME=dashstream-local/consume:dev

.PHONY: images containers-test dockerd-start dockerd-stop

dockerd-start: ## start a Docker engine (installs docker.io on first use) with ports on 127.0.0.1
	@scripts/dockerd start

dockerd-stop: ## stop the Docker engine scripts/dockerd started
	@scripts/dockerd stop

images: tools kafka-jars ## build the local images (dashstream-local/<name>:dev) without a registry; needs a Docker daemon
	$(GO) run ./images -timeout 30m

containers-test: tools kafka-jars ## dockerd + local images + the containers stack and compose tests (bounded: 45 min)
	@scripts/ensure-packages docker-compose=docker-compose
	@started=0; scripts/dockerd status >/dev/null 2>&1 || started=1; \
	  scripts/dockerd start; status=0; \
	  timeout 45m bash -c '$(GO) run ./images -timeout 30m && \
	    env $(LOCAL_IMAGES_ENV) DASHSTREAM_CONTAINERS_REQUIRED=1 \
	    $(GO) test -race -count=1 -timeout 15m ./system/containers/... ./compose/... ./images/...' || status=$$?; \
	  if [ $$started = 1 ]; then scripts/dockerd stop; fi; \
	  exit $$status
