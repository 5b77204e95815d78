package kafkalocal

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dashstream/acceptance/system/proc"
	"github.com/twmb/franz-go/pkg/kgo"
)

// archivePath returns where the class-data archive for this java and jar set lives. The
// name carries a hash of the java binary's path, size and time, so a new JDK records anew
// (an archive only maps into the exact JVM that wrote it).
func archivePath(java string, jars *Jars) string {
	h := fnv.New32a()
	real, err := filepath.EvalSymlinks(java)
	if err != nil {
		real = java
	}
	fmt.Fprint(h, real)
	if st, err := os.Stat(real); err == nil {
		fmt.Fprint(h, st.Size(), st.ModTime().UnixNano())
	}
	return filepath.Join(jars.Dir, fmt.Sprintf("kafka-%08x.jsa", h.Sum32()))
}

// ensureArchive returns the class-data archive for l, recording it on first use by running
// a throw-away broker to readiness, producing and fetching a record and stopping it
// gracefully (the JVM writes the archive as it exits). It returns "" when none could be
// made; brokers then start without one, slower but correct. A failure is remembered in a
// ".failed" file next to the archive so it is not retried on every start.
func ensureArchive(ctx context.Context, l *launcher, progress io.Writer) string {
	path := archivePath(l.java, l.jars)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if _, err := os.Stat(path + ".failed"); err == nil {
		return ""
	}
	unlock, err := lockFile(ctx, filepath.Join(filepath.Dir(l.jars.Dir), l.jars.Version+".lock"), progress)
	if err != nil {
		return ""
	}
	defer unlock()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	fmt.Fprintf(progress, "kafkalocal: recording a JVM class-data archive for faster broker starts (first use only, about 20 s)\n")
	start := time.Now()
	if err := recordArchive(ctx, l, path); err != nil {
		fmt.Fprintf(progress, "kafkalocal: no class-data archive, brokers will start slower: %v\n", err)
		_ = os.WriteFile(path+".failed", []byte(err.Error()+"\n"), 0o644)
		return ""
	}
	fmt.Fprintf(progress, "kafkalocal: class-data archive ready in %s\n", time.Since(start).Round(time.Second))
	return path
}

func recordArchive(ctx context.Context, l *launcher, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "kafkalocal-cds-")
	if err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	defer os.RemoveAll(dir)
	c := &Cluster{cfg: defaults(), root: dir, launch: l}
	c.cfg.brokers = 1
	if err := c.makeNodes(); err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	n := c.nodes[0]
	if err := writeProperties(n.propsPath(), serverProperties(n, c.nodes, nil)); err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	noArchive := *l
	noArchive.archive = ""
	noArchive.log4j = filepath.Join(dir, "log4j2.properties")
	if err := os.WriteFile(noArchive.log4j, []byte(log4j2Config), 0o644); err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	if err := noArchive.format(ctx, n, newClusterID()); err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	p, err := proc.Start(ctx, proc.Spec{
		Name:  "kafka-cds",
		Path:  l.java,
		Args:  noArchive.args(l.heap, tmp, mainBroker, n.propsPath()),
		Grace: time.Minute,
	})
	if err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	defer p.Kill()
	c.procs = []*proc.Process{p}
	if err := c.waitReady(ctx, []int{0}); err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	exercise(ctx, n.listenAddr())
	if err := p.Stop(ctx); err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	if st, err := os.Stat(tmp); err != nil || st.Size() == 0 {
		return fmt.Errorf("record archive: the JVM wrote no archive: %s", p.Tail(10))
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("record archive: %w", err)
	}
	return nil
}

// exercise produces and fetches one record so the classes of those paths are archived too.
// Failures only make the archive less complete, so they are ignored.
func exercise(ctx context.Context, addr string) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.AllowAutoTopicCreation(),
		kgo.ConsumeTopics("warmup"), kgo.ConsumerGroup("warmup"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "warmup", Value: []byte("x")}).FirstErr(); err != nil {
		return
	}
	for ctx.Err() == nil {
		if fs := cl.PollFetches(ctx); fs.NumRecords() > 0 {
			_ = cl.CommitUncommittedOffsets(ctx)
			return
		}
	}
}
