package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/dashstream/acceptance/system/kafkalocal"
	"github.com/dashstream/acceptance/system/tools"
)

// services maps the service images to their reference/cmd binaries.
var services = map[string]string{
	"exporter": "dashstream-exporter",
	"wsserver": "dashstream-wsserver",
	"produce":  "dashstream-produce",
	"consume":  "dashstream-consume",
}

// Minimal /etc files: a name for the users the images run as and a resolver order.
const (
	etcPasswd   = "root:x:0:0:root:/root:/sbin/nologin\nredis:x:999:999:redis:/data:/sbin/nologin\nkafka:x:1000:1000:kafka:/var/lib/kafka:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	etcGroup    = "root:x:0:\nredis:x:999:\nkafka:x:1000:\nnogroup:x:65534:\n"
	etcNsswitch = "hosts: files dns\n"
)

// stage fills dir with the build context of image name and returns the version to label
// it with.
func stage(ctx context.Context, cfg config, name, dir string) (string, error) {
	if err := copyFile(filepath.Join(cfg.root, "images", name, "Dockerfile"), filepath.Join(dir, "Dockerfile"), 0o644); err != nil {
		return "", err
	}
	if err := baseRootfs(filepath.Join(dir, "rootfs")); err != nil {
		return "", err
	}
	switch name {
	case "kafka":
		return stageKafka(ctx, cfg, dir)
	case "prometheus", "alertmanager":
		return stageTool(ctx, name, dir)
	case "redis":
		return stageRedis(ctx, dir)
	}
	if _, ok := dashflowPrograms[name]; ok {
		return stageDashflow(ctx, name, dir)
	}
	bin := services[name]
	if err := goBuild(ctx, cfg.root, "./reference/cmd/"+bin, filepath.Join(dir, bin)); err != nil {
		return "", err
	}
	return "dev", nil
}

// baseRootfs writes the files every image gets: /etc/passwd, /etc/group,
// /etc/nsswitch.conf and a world-writable /tmp.
func baseRootfs(rootfs string) error {
	for _, d := range []string{"etc", "tmp"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			return fmt.Errorf("rootfs: %w", err)
		}
	}
	if err := os.Chmod(filepath.Join(rootfs, "tmp"), 0o777|os.ModeSticky); err != nil {
		return fmt.Errorf("rootfs: %w", err)
	}
	for name, content := range map[string]string{"passwd": etcPasswd, "group": etcGroup, "nsswitch.conf": etcNsswitch} {
		if err := os.WriteFile(filepath.Join(rootfs, "etc", name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("rootfs: %w", err)
		}
	}
	return nil
}

// stageTool copies the pinned prometheus+promtool or alertmanager+amtool, which must be
// static, and creates the config and data folders.
func stageTool(ctx context.Context, name, dir string) (string, error) {
	pair := map[string][]string{"prometheus": {"prometheus", "promtool"}, "alertmanager": {"alertmanager", "amtool"}}[name]
	for _, tool := range pair {
		bin, err := tools.Ensure(ctx, tool)
		if err != nil {
			return "", err
		}
		if err := requireStatic(bin); err != nil {
			return "", err
		}
		if err := copyFile(bin, filepath.Join(dir, tool), 0o755); err != nil {
			return "", err
		}
	}
	for _, d := range []string{"etc", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", fmt.Errorf("stage: %w", err)
		}
	}
	pin, err := tools.Lookup(name)
	if err != nil {
		return "", err
	}
	return pin.Release, nil
}

// stageKafka stages the Java runtime, its shared libraries, the jars, the configuration
// folder and the entrypoint.
func stageKafka(ctx context.Context, cfg config, dir string) (string, error) {
	jars, err := kafkalocal.ResolveJars(ctx, kafkalocal.DefaultLibRoot(), cfg.kafkaVersion, os.Stderr)
	if err != nil {
		return "", err
	}
	libs := filepath.Join(dir, "libs")
	if err := os.MkdirAll(libs, 0o755); err != nil {
		return "", fmt.Errorf("stage: %w", err)
	}
	for _, j := range append(jars.Classpath, filepath.Join(jars.Dir, "classpath.txt")) {
		if err := linkOrCopy(j, filepath.Join(libs, filepath.Base(j))); err != nil {
			return "", err
		}
	}
	java := filepath.Join(dir, "java")
	if err := jlinkRuntime(ctx, cfg.stageRoot, java); err != nil {
		return "", err
	}
	if err := stageSharedLibs(ctx, filepath.Join(dir, "rootfs"), java, jars.Classpath); err != nil {
		return "", err
	}
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", fmt.Errorf("stage: %w", err)
		}
	}
	if err := copyFile(filepath.Join(cfg.root, "images", "kafka", "log4j2.properties"), filepath.Join(dir, "config", "log4j2.properties"), 0o644); err != nil {
		return "", err
	}
	if err := goBuild(ctx, cfg.root, "./images/kafka/entrypoint", filepath.Join(dir, "kafka-entrypoint")); err != nil {
		return "", err
	}
	return cfg.kafkaVersion, nil
}

// goBuild builds a static binary of pkg.
func goBuild(ctx context.Context, root, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return requireStatic(out)
}
