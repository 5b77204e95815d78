package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// cdsDir holds the class-data archives recorded at image build time (`kafka-entrypoint
// cds`): storage.jsa for the storage tool, kafka.jsa for the broker.
const cdsDir = kafkaHome + "/cds"

// archiveArgs returns the JVM flags that use archive name when it exists. -Xshare:auto
// (the default) falls back silently when the archive does not fit the JVM's flags.
func archiveArgs(name string) []string {
	p := filepath.Join(cdsDir, name)
	if _, err := os.Stat(p); err != nil {
		return nil
	}
	return []string{"-XX:SharedArchiveFile=" + p, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"}
}

// recordArchives runs the storage tool and a throw-away single-node broker once with
// -XX:ArchiveClassesAtExit, so that containers of the image start faster (the JVM maps the
// classes Kafka loads instead of parsing and verifying them). The broker is stopped with
// SIGTERM once it logged "Kafka Server started"; its data is removed.
func recordArchives(java, cp string) error {
	work, err := os.MkdirTemp("", "kafka-cds-")
	if err != nil {
		return fmt.Errorf("cds: %w", err)
	}
	defer os.RemoveAll(work)
	props := map[string]string{}
	for k, v := range singleNode {
		props[k] = v
	}
	props["log.dirs"] = filepath.Join(work, "data")
	config := filepath.Join(work, "server.properties")
	if err := os.WriteFile(config, render(props), 0o644); err != nil {
		return fmt.Errorf("cds: %w", err)
	}
	format := exec.Command(java, jvmArgs(cp, "-Xmx256m", record("storage.jsa"),
		"kafka.tools.StorageTool", "format", "-t", defaultCluster, "-c", config)...)
	format.Stdout, format.Stderr = os.Stdout, os.Stderr
	if err := format.Run(); err != nil {
		return fmt.Errorf("cds: format: %w", err)
	}
	broker := exec.Command(java, jvmArgs(cp, "", record("kafka.jsa"),
		"kafka.Kafka", config)...)
	out, err := broker.StdoutPipe()
	if err != nil {
		return fmt.Errorf("cds: %w", err)
	}
	broker.Stderr = os.Stderr
	if err := broker.Start(); err != nil {
		return fmt.Errorf("cds: start broker: %w", err)
	}
	started := make(chan struct{})
	go watchFor(out, "Kafka Server started", started)
	select {
	case <-started:
	case <-time.After(3 * time.Minute):
		_ = broker.Process.Kill()
		_ = broker.Wait()
		return fmt.Errorf("cds: the broker did not start within 3 minutes")
	}
	_ = broker.Process.Signal(syscall.SIGTERM)
	// The JVM exits with 128+SIGTERM after a signal-triggered shutdown; the archive is
	// written either way, and its presence is what counts.
	_ = broker.Wait()
	if _, err := os.Stat(filepath.Join(cdsDir, "kafka.jsa")); err != nil {
		return fmt.Errorf("cds: no archive written: %w", err)
	}
	return nil
}

// record returns the JVM flags that write archive name at exit, quietly (classes that
// cannot be archived are skipped with a warning each).
func record(name string) []string {
	return []string{"-XX:ArchiveClassesAtExit=" + filepath.Join(cdsDir, name), "-Xlog:cds=off", "-Xlog:cds+dynamic=off"}
}

// watchFor copies r to stdout and closes found when a line contains s.
func watchFor(r io.Reader, s string, found chan<- struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	closed := false
	for sc.Scan() {
		fmt.Println(sc.Text())
		if !closed && strings.Contains(sc.Text(), s) {
			close(found)
			closed = true
		}
	}
}
