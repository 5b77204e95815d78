package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/moby/moby/client"
)

// Component names an image the stack runs.
type Component string

// The components, each with the environment variable that names its image.
const (
	Kafka        Component = "kafka"
	Prometheus   Component = "prometheus"
	Alertmanager Component = "alertmanager"
	Exporter     Component = "exporter"
	WSServer     Component = "wsserver"
	Produce      Component = "produce"
	Consume      Component = "consume"
	// Redis is for an implementation under test whose profile needs one.
	Redis Component = "redis"
)

// LocalRepo is the repository prefix `make images` tags its images with
// (dashstream-local/<component>:dev).
const LocalRepo = "dashstream-local"

// defaultImages are the images used when the environment names none: the official
// images at the versions the other stacks pin (system/kafkalocal, system/tools; Redis at
// the version of Debian's redis-server, which the host stacks run), and
// for the reference services, which have no published image, the local build.
var defaultImages = map[Component]string{
	Kafka:        "apache/kafka:4.4.0",
	Prometheus:   "prom/prometheus:v3.16.0",
	Alertmanager: "prom/alertmanager:v0.31.1",
	Exporter:     LocalRepo + "/exporter:dev",
	WSServer:     LocalRepo + "/wsserver:dev",
	Produce:      LocalRepo + "/produce:dev",
	Consume:      LocalRepo + "/consume:dev",
	Redis:        "redis:7.0.15",
}

// EnvVar returns the environment variable that names c's image
// (DASHSTREAM_IMAGE_KAFKA, ...).
func EnvVar(c Component) string { return "DASHSTREAM_IMAGE_" + strings.ToUpper(string(c)) }

// Image returns the image of c: $DASHSTREAM_IMAGE_<C>, else the default (official images
// for Kafka, Prometheus and Alertmanager; dashstream-local/<c>:dev for the services).
func Image(c Component) string {
	if v := os.Getenv(EnvVar(c)); v != "" {
		return v
	}
	return defaultImages[c]
}

// LocalImage returns the tag `make images` gives c's local build.
func LocalImage(c Component) string { return LocalRepo + "/" + string(c) + ":dev" }

// ErrNoImage is returned when an image is not on the daemon; nothing is pulled when it
// is a local image.
var ErrNoImage = errors.New("image not found")

// imageVersion returns the version of an image present on the daemon: its
// org.opencontainers.image.version label, else the tag of ref. A missing image is
// ErrNoImage with what to do.
func imageVersion(ctx context.Context, cli client.APIClient, c Component, ref string) (string, error) {
	res, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		if isNotFound(err) {
			return "", fmt.Errorf("%w: %s (for %s): build the local images with `make images` and set %s=%s, or pull it where a registry is reachable",
				ErrNoImage, ref, c, EnvVar(c), LocalImage(c))
		}
		return "", fmt.Errorf("inspect image %s: %w", ref, err)
	}
	if res.Config != nil {
		if v := res.Config.Labels["org.opencontainers.image.version"]; v != "" {
			return v, nil
		}
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:], nil
	}
	return "latest", nil
}
