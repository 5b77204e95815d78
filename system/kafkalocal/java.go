package kafkalocal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dashstream/acceptance/system/proc"
)

// Main classes of Kafka 4.x (the bin/*.sh scripts of the distribution run the same).
const (
	mainBroker  = "kafka.Kafka"
	mainStorage = "kafka.tools.StorageTool"
)

// findJava returns the java executable: explicit, $JAVA_HOME/bin/java, or java in PATH.
func findJava(explicit string) (string, error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("find java: %w", err)
		}
		return p, nil
	}
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("find java: no java in PATH and no JAVA_HOME; install Java 17+ (apt-get install openjdk-17-jre-headless): %w", err)
	}
	return p, nil
}

// launcher builds java command lines for one cluster.
type launcher struct {
	java    string
	jars    *Jars
	heap    string
	log4j   string   // path of the log4j2 config
	archive string   // class-data archive to use; empty: none
	extra   []string // user JVM args
}

// args returns the java arguments that run mainClass with args. dump, when set, records a
// class-data archive there at JVM exit instead of using one.
func (l *launcher) args(heap, dump, mainClass string, args ...string) []string {
	a := []string{
		"-Xms32m", "-Xmx" + heap,
		"-XX:+UseSerialGC",        // 2 cores: no parallel GC threads competing with startup
		"-XX:TieredStopAtLevel=1", // C1 only: about 40% faster startup, plenty for tests
		"-XX:-UsePerfData",        // no hsperfdata file in /tmp
		"-XX:+ExitOnOutOfMemoryError",
		"-Xshare:auto",
		"-Djava.awt.headless=true",
		"-Dlog4j2.configurationFile=" + l.log4j,
		"-Dlog4j2.shutdownHookEnabled=false", // keep logging while Kafka shuts down
	}
	switch {
	case dump != "":
		a = append(a, "-XX:ArchiveClassesAtExit="+dump)
	case l.archive != "":
		a = append(a, "-XX:SharedArchiveFile="+l.archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
	}
	a = append(a, l.extra...)
	a = append(a, "-cp", strings.Join(l.jars.Classpath, string(os.PathListSeparator)), mainClass)
	return append(a, args...)
}

// format runs kafka-storage format for n with clusterID, unless n is already formatted.
func (l *launcher) format(ctx context.Context, n *node, clusterID string) error {
	if n.formatted() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	p, err := proc.Start(ctx, proc.Spec{
		Name: n.name() + "-format",
		Path: l.java,
		Args: l.args("256m", "", mainStorage, "format", "--cluster-id="+clusterID, "-c", n.propsPath()),
	})
	if err != nil {
		return fmt.Errorf("format %s: %w", n.name(), err)
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
		_ = p.Kill()
		return fmt.Errorf("format %s: %w", n.name(), ctx.Err())
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("format %s: %w; output:\n%s", n.name(), err, p.Tail(15))
	}
	if !n.formatted() {
		return fmt.Errorf("format %s: no meta.properties written; output:\n%s", n.name(), p.Tail(15))
	}
	return nil
}

// newClusterID returns a random Kafka cluster id: 16 bytes, unpadded URL-safe base64.
//
// About one id in 32 starts with '-'; it is passed as --cluster-id=ID so the storage
// tool's argument parser does not take it for an option.
var newClusterID = func() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// readClusterID returns the cluster.id recorded in a formatted node's meta.properties.
func readClusterID(n *node) (string, error) {
	b, err := os.ReadFile(filepath.Join(n.dataDir(), "meta.properties"))
	if err != nil {
		return "", fmt.Errorf("read cluster id: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "cluster.id="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("read cluster id: no cluster.id in %s", n.dataDir())
}
