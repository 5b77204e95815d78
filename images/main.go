// Command images builds the local container images of the containers stack and of the
// compose deployment without any registry: every image starts FROM scratch and gets its
// files from this machine (static Go binaries, the pinned Prometheus and Alertmanager
// builds of system/tools, and for Kafka a jlink'd Java runtime plus the Maven-resolved
// jars of system/kafkalocal). Run it with `make images` or
//
//	go run ./images [-repo dashstream-local] [-tag dev] [-kafka-version 4.4.0] [name ...]
//
// Names: kafka, prometheus, alertmanager, redis, exporter, wsserver, produce, consume
// (the default: all of them), and dashflow-websocket-server, dashflow-prometheus-exporter
// (DashFlow's programs as `make sut-dashflow` built them, only when named). Each image is tagged <repo>/<name>:<tag> and labelled
// org.opencontainers.image.version. The build context of each is staged in
// .bin/images/<name>/ (git-ignored). A summary line per image gives its build time and size.
// Needs a Docker daemon (scripts/dockerd start) and, for kafka, mvn and a JDK 17+ with
// jlink; see images/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/system/kafkalocal"
	"github.com/dashstream/acceptance/system/tools"
)

// names lists the images built by default, in build order.
var names = []string{"kafka", "prometheus", "alertmanager", "redis", "exporter", "wsserver", "produce", "consume"}

// optional lists the images built only when named: DashFlow's, from its build.
var optional = []string{"dashflow-websocket-server", "dashflow-prometheus-exporter"}

// config is the parsed command line.
type config struct {
	repo, tag, kafkaVersion string
	root, stageRoot         string
	out                     io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "images:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	cfg := config{out: os.Stdout}
	fs.StringVar(&cfg.repo, "repo", "dashstream-local", "image repository prefix")
	fs.StringVar(&cfg.tag, "tag", "dev", "image tag")
	fs.StringVar(&cfg.kafkaVersion, "kafka-version", kafkalocal.DefaultVersion, "Apache Kafka version of the kafka image")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := fs.Args()
	if len(want) == 0 {
		want = names
	}
	for _, n := range want {
		if !slices.Contains(names, n) && !slices.Contains(optional, n) {
			return fmt.Errorf("unknown image %q: choose from %s", n, strings.Join(append(slices.Clone(names), optional...), ", "))
		}
	}
	root, err := tools.RepoRoot()
	if err != nil {
		return fmt.Errorf("run from inside the repository: %w", err)
	}
	cfg.root, cfg.stageRoot = root, filepath.Join(root, ".bin", "images")
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := dockerAnswers(ctx); err != nil {
		return err
	}
	var results []result
	for _, n := range want {
		r, err := buildOne(ctx, cfg, n)
		if err != nil {
			return fmt.Errorf("image %s: %w", n, err)
		}
		fmt.Fprintf(cfg.out, "images: %-28s %-55s staged %5.1fs, built %5.1fs, %6.1f MB\n",
			n, r.ref, r.stage.Seconds(), r.build.Seconds(), float64(r.size)/1e6)
		results = append(results, r)
	}
	return pruneReplaced(ctx)
}

// result is what building one image measured.
type result struct {
	ref          string
	stage, build time.Duration
	size         int64
}

// buildOne stages the context of image name and builds it.
func buildOne(ctx context.Context, cfg config, name string) (result, error) {
	r := result{ref: fmt.Sprintf("%s/%s:%s", cfg.repo, name, cfg.tag)}
	dir := filepath.Join(cfg.stageRoot, name)
	if err := os.RemoveAll(dir); err != nil {
		return r, fmt.Errorf("clean stage: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, fmt.Errorf("stage: %w", err)
	}
	start := time.Now()
	version, err := stage(ctx, cfg, name, dir)
	if err != nil {
		return r, err
	}
	r.stage = time.Since(start)
	start = time.Now()
	if err := dockerBuild(ctx, dir, r.ref, version); err != nil {
		return r, err
	}
	r.build = time.Since(start)
	r.size, err = imageSize(ctx, r.ref)
	return r, err
}
