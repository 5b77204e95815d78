package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// dockerAnswers fails with a hint when no Docker daemon answers.
func dockerAnswers(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("docker not found: run scripts/dockerd start (installs Debian's docker.io): %w", err)
	}
	if out, err := exec.CommandContext(ctx, "docker", "version", "-f", "{{.Server.Version}}").CombinedOutput(); err != nil {
		return fmt.Errorf("no Docker daemon answers (%s): run scripts/dockerd start: %w", strings.TrimSpace(string(out)), err)
	}
	return nil
}

// dockerBuild builds the staged context dir as ref with the classic builder, which needs
// no registry and no buildx plugin for FROM scratch images.
func dockerBuild(ctx context.Context, dir, ref, version string) error {
	cmd := exec.CommandContext(ctx, "docker", "build", "-q", "--force-rm", "--label", "org.opencontainers.image.version="+version,
		"--label", "org.opencontainers.image.source=dashstream-acceptance", "-t", ref, dir)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker build %s: %w\n%s", ref, err, b)
	}
	return nil
}

// pruneReplaced removes the images of earlier builds that a rebuild left untagged
// (dangling, with this repository's source label); other images are not touched.
func pruneReplaced(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "docker", "image", "prune", "-f",
		"--filter", "label=org.opencontainers.image.source=dashstream-acceptance").CombinedOutput()
	if err != nil {
		return fmt.Errorf("prune replaced images: %w\n%s", err, out)
	}
	return nil
}

// imageSize returns the size of image ref in bytes.
func imageSize(ctx context.Context, ref string) (int64, error) {
	out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "-f", "{{.Size}}", ref).Output()
	if err != nil {
		return 0, fmt.Errorf("inspect %s: %w", ref, err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}
