// Command kafka-entrypoint starts Apache Kafka (KRaft) in the dashstream-local/kafka image,
// an image without a shell: it writes server.properties from the environment, formats the
// storage once, and replaces itself with the broker's JVM (so the JVM is PID 1 and gets
// docker stop's SIGTERM).
//
// The environment follows the official apache/kafka image, so a container configured for
// one runs with the other:
//
//	KAFKA_<PROPERTY>            a broker property: KAFKA_ dropped, "___" -> "-", "__" -> "_",
//	                            "_" -> ".", lower case (KAFKA_ADVERTISED_LISTENERS is
//	                            advertised.listeners). Without any, a single-node broker on
//	                            localhost:9092 (controller on 9093).
//	CLUSTER_ID                  the cluster id storage is formatted with (default the
//	                            official image's, 5L6g3nShT-eMCtK--X86sw).
//	KAFKA_HEAP_OPTS             default "-Xms32m -Xmx512m".
//	KAFKA_JVM_PERFORMANCE_OPTS  default serial GC, C1 only, no perf data: fast start on 2 cores.
//	KAFKA_OPTS                  more JVM flags, appended.
//
// Storage is formatted when a data folder (log.dirs, metadata.log.dir) lacks
// meta.properties, so a restarted container keeps its data.
//
// `kafka-entrypoint cds` (run once by the image's Dockerfile) records JVM class-data
// archives into /opt/kafka/cds; later starts use them when they fit the JVM's flags.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Paths inside the image.
const (
	defaultJavaHome = "/opt/java"
	kafkaHome       = "/opt/kafka"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kafka-entrypoint:", err)
		os.Exit(1)
	}
}

func run() error {
	java := filepath.Join(envOr("JAVA_HOME", defaultJavaHome), "bin", "java")
	cp, err := classpath(filepath.Join(kafkaHome, "libs"))
	if err != nil {
		return err
	}
	if len(os.Args) > 1 && os.Args[1] == "cds" {
		return recordArchives(java, cp)
	}
	props := properties(os.Environ())
	config := filepath.Join(kafkaHome, "config", "server.properties")
	if err := os.WriteFile(config, render(props), 0o644); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if !formatted(props) {
		cluster := envOr("CLUSTER_ID", defaultCluster)
		fmt.Fprintf(os.Stderr, "kafka-entrypoint: formatting storage for cluster %s\n", cluster)
		cmd := exec.Command(java, jvmArgs(cp, "-Xmx256m", archiveArgs("storage.jsa"), "kafka.tools.StorageTool", "format", "-t", cluster, "-c", config)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("format storage: %w", err)
		}
	}
	args := jvmArgs(cp, "", archiveArgs("kafka.jsa"), "kafka.Kafka", config)
	return syscall.Exec(java, append([]string{java}, args...), os.Environ())
}

// jvmArgs returns the java arguments that run mainClass; heap overrides KAFKA_HEAP_OPTS,
// extra goes before KAFKA_OPTS.
func jvmArgs(cp, heap string, extra []string, mainClass string, args ...string) []string {
	if heap == "" {
		heap = envOr("KAFKA_HEAP_OPTS", "-Xms32m -Xmx512m")
	}
	a := strings.Fields(heap)
	a = append(a, strings.Fields(envOr("KAFKA_JVM_PERFORMANCE_OPTS",
		"-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"))...)
	a = append(a, "-Dlog4j2.configurationFile="+filepath.Join(kafkaHome, "config", "log4j2.properties"),
		"-Dlog4j2.shutdownHookEnabled=false")
	a = append(a, extra...)
	a = append(a, strings.Fields(os.Getenv("KAFKA_OPTS"))...)
	a = append(a, "-cp", cp, mainClass)
	return append(a, args...)
}

// classpath lists the jars of dir in the order of its classpath.txt, or sorted.
func classpath(dir string) (string, error) {
	var names []string
	if b, err := os.ReadFile(filepath.Join(dir, "classpath.txt")); err == nil {
		names = strings.Fields(string(b))
	} else {
		matches, err := filepath.Glob(filepath.Join(dir, "*.jar"))
		if err != nil {
			return "", fmt.Errorf("list jars: %w", err)
		}
		for _, m := range matches {
			names = append(names, filepath.Base(m))
		}
		sort.Strings(names)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no jars in %s", dir)
	}
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return strings.Join(names, ":"), nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
