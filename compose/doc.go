// Package compose holds the docker compose deployment of the reference system
// (docker-compose.yml and the files it mounts) and the tests that validate it: the YAML
// parses, every service's KAFKA_BROKERS names a listener Kafka advertises on the compose
// network, Prometheus scrapes services at the ports they listen on, mounted files exist,
// image variables match the containers stack's, and `docker compose config` (v2 plugin or
// docker-compose v1) accepts the file when one is installed. See README.md.
package compose
