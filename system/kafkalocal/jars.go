package kafkalocal

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/dashstream/acceptance/system/poll"
)

// DefaultVersion is the Apache Kafka version run when KafkaVersion is not given: the
// newest 4.x release on Maven Central when this package was last updated.
const DefaultVersion = "4.4.0"

// ErrNoMaven is returned when jars must be resolved and no mvn executable is in PATH.
var ErrNoMaven = errors.New("mvn not found in PATH: install Maven 3.8+ (apt-get install maven) or run `make kafka-jars` on a machine that has it")

//go:embed pom.xml
var pomXML []byte

// classpathFile marks a complete jar folder; it lists the jars in classpath order.
const classpathFile = "classpath.txt"

// DefaultLibRoot returns the folder under which jars are kept, one subfolder per Kafka
// version: <repo root>/.bin/kafka-libs when run inside this repository (found by walking
// up from the working directory to its go.mod), else <user cache>/dashstream/kafka-libs.
func DefaultLibRoot() string {
	if root, ok := repoRoot(); ok {
		return filepath.Join(root, ".bin", "kafka-libs")
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "dashstream", "kafka-libs")
	}
	return filepath.Join(os.TempDir(), "dashstream-kafka-libs")
}

func repoRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/dashstream/acceptance\n")) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Jars is a resolved, complete set of broker jars.
type Jars struct {
	// Version is the Apache Kafka version.
	Version string
	// Dir is the folder holding the jars.
	Dir string
	// Classpath lists the jars' absolute paths in a stable order.
	Classpath []string
}

// ResolveJars makes sure the jars of Kafka version are in libRoot/version, running Maven
// on first use, and returns them. It is idempotent and safe to call from several processes
// at once: a file lock serializes resolution, and the folder only appears complete (with
// its classpath.txt) once Maven succeeded. Progress is written to progress (nil: discard).
func ResolveJars(ctx context.Context, libRoot, version string, progress io.Writer) (*Jars, error) {
	if progress == nil {
		progress = io.Discard
	}
	dir := filepath.Join(libRoot, version)
	if j, err := readJars(dir, version); err == nil {
		return j, nil
	}
	if err := os.MkdirAll(libRoot, 0o755); err != nil {
		return nil, fmt.Errorf("resolve jars: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(libRoot, version+".lock"), progress)
	if err != nil {
		return nil, fmt.Errorf("resolve jars: %w", err)
	}
	defer unlock()
	if j, err := readJars(dir, version); err == nil {
		return j, nil // another process resolved them while we waited
	}
	if err := runMaven(ctx, libRoot, version, dir, progress); err != nil {
		return nil, fmt.Errorf("resolve jars: %w", err)
	}
	return readJars(dir, version)
}

func readJars(dir, version string) (*Jars, error) {
	b, err := os.ReadFile(filepath.Join(dir, classpathFile))
	if err != nil {
		return nil, err
	}
	j := &Jars{Version: version, Dir: dir}
	for _, name := range strings.Fields(string(b)) {
		j.Classpath = append(j.Classpath, filepath.Join(dir, name))
	}
	if len(j.Classpath) == 0 {
		return nil, fmt.Errorf("read jars: %s is empty", filepath.Join(dir, classpathFile))
	}
	return j, nil
}

// runMaven copies the dependencies of the embedded pom into a staging folder, writes the
// classpath list and renames the folder into place.
func runMaven(ctx context.Context, libRoot, version, dir string, progress io.Writer) error {
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return ErrNoMaven
	}
	stage, err := os.MkdirTemp(libRoot, "."+version+".staging-")
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	defer os.RemoveAll(stage)
	pom := filepath.Join(stage, "pom.xml")
	if err := os.WriteFile(pom, pomXML, 0o644); err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	libs := filepath.Join(stage, "libs")
	fmt.Fprintf(progress, "kafkalocal: resolving Apache Kafka %s jars with Maven into %s (first use only)\n", version, dir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, mvn, "-B", "-f", pom, "-Dkafka.version="+version,
		"dependency:copy-dependencies", "-DoutputDirectory="+libs)
	cmd.Stdout, cmd.Stderr = &prefixWriter{w: progress, prefix: "kafkalocal: mvn: "}, &prefixWriter{w: progress, prefix: "kafkalocal: mvn: "}
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mvn dependency:copy-dependencies for kafka %s (is it on Maven Central?): %w", version, err)
	}
	entries, err := os.ReadDir(libs)
	if err != nil {
		return fmt.Errorf("list jars: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".jar") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("mvn copied no jars into %s", libs)
	}
	sort.Strings(names)
	if err := os.WriteFile(filepath.Join(libs, classpathFile), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write classpath: %w", err)
	}
	_ = os.RemoveAll(dir) // an incomplete folder left by a killed run
	if err := os.Rename(libs, dir); err != nil {
		return fmt.Errorf("install jars: %w", err)
	}
	fmt.Fprintf(progress, "kafkalocal: %d jars of Apache Kafka %s ready in %s\n", len(names), version, time.Since(start).Round(time.Second))
	return nil
}

// lockFile takes an exclusive flock on path, polling so that ctx bounds the wait.
func lockFile(ctx context.Context, path string, progress io.Writer) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	announced := false
	_, _, err = poll.Until(ctx, 0, 200*time.Millisecond, func(context.Context) (bool, string, error) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, "", nil
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return false, "", poll.Stop(err)
		}
		if !announced {
			fmt.Fprintf(progress, "kafkalocal: waiting for another process holding %s\n", path)
			announced = true
		}
		return false, "held by another process", nil
	})
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
}
