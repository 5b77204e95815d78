package kafkalocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/dashstream/acceptance/system/proc"
)

// Cluster is a running Apache Kafka cluster of combined KRaft nodes, each a java child
// process. Its methods are safe for concurrent use.
type Cluster struct {
	cfg       config
	launch    *launcher
	root      string
	ownRoot   bool
	clusterID string
	nodes     []*node

	mu     sync.Mutex
	procs  []*proc.Process
	closed bool
}

// Start resolves the jars (first use only), formats storage, starts every broker and
// returns once all of them answer a metadata request on their own address, list every
// broker as registered and report a controller leader. On error nothing is left running.
// ctx bounds the start only, not the life of the cluster: call Close.
func Start(ctx context.Context, opts ...Option) (*Cluster, error) {
	cfg, l, err := prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, launch: l, root: cfg.dataDir, procs: make([]*proc.Process, cfg.brokers)}
	if c.root == "" {
		if c.root, err = os.MkdirTemp("", "kafkalocal-"); err != nil {
			return nil, fmt.Errorf("kafkalocal: data dir: %w", err)
		}
		c.ownRoot = true
	}
	if err := c.setup(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// Prepare does ahead of time what the first Start would: it resolves the jars and, unless
// ClassDataSharing(false) is given, records the class-data archive. `make kafka-jars` runs it.
func Prepare(ctx context.Context, opts ...Option) (*Jars, error) {
	_, l, err := prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	return l.jars, nil
}

func prepare(ctx context.Context, opts []Option) (config, *launcher, error) {
	cfg := defaults()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.brokers < 1 {
		return cfg, nil, fmt.Errorf("kafkalocal: Brokers(%d): need at least 1", cfg.brokers)
	}
	if cfg.libRoot == "" {
		cfg.libRoot = DefaultLibRoot()
	}
	java, err := findJava(cfg.java)
	if err != nil {
		return cfg, nil, fmt.Errorf("kafkalocal: %w", err)
	}
	jars, err := ResolveJars(ctx, cfg.libRoot, cfg.version, cfg.progress)
	if err != nil {
		return cfg, nil, fmt.Errorf("kafkalocal: %w", err)
	}
	l := &launcher{java: java, jars: jars, heap: cfg.heap, extra: cfg.jvmArgs}
	if cfg.cds {
		l.archive = ensureArchive(ctx, l, cfg.progress)
	}
	return cfg, l, nil
}

func (c *Cluster) setup(ctx context.Context) error {
	c.launch.log4j = filepath.Join(c.root, "log4j2.properties")
	if err := os.MkdirAll(c.root, 0o755); err != nil {
		return fmt.Errorf("kafkalocal: data dir: %w", err)
	}
	if err := os.WriteFile(c.launch.log4j, []byte(log4j2Config), 0o644); err != nil {
		return fmt.Errorf("kafkalocal: log config: %w", err)
	}
	if err := c.makeNodes(); err != nil {
		return err
	}
	c.clusterID = newClusterID()
	if c.nodes[0].formatted() {
		id, err := readClusterID(c.nodes[0])
		if err != nil {
			return fmt.Errorf("kafkalocal: %w", err)
		}
		c.clusterID = id
	}
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		if err := writeProperties(n.propsPath(), serverProperties(n, c.nodes, c.cfg.brokerConfig)); err != nil {
			return fmt.Errorf("kafkalocal: %w", err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.launch.format(ctx, n, c.clusterID) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kafkalocal: %w", err)
	}
	all := make([]int, len(c.nodes))
	for i := range c.nodes {
		all[i] = i
		if err := c.spawn(ctx, i); err != nil {
			return err
		}
	}
	return c.waitReady(ctx, all)
}

// makeNodes picks the ports (kept for the life of the cluster) and folders of every node.
func (c *Cluster) makeNodes() error {
	var holds []net.Listener
	defer func() {
		for _, l := range holds {
			_ = l.Close()
		}
	}()
	pick := func(fixed int) (int, error) {
		if fixed > 0 {
			return fixed, nil
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("kafkalocal: pick port: %w", err)
		}
		holds = append(holds, l) // held until all are picked, so none is picked twice
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	for i := range c.cfg.brokers {
		n := &node{index: i, id: i + 1, dir: filepath.Join(c.root, fmt.Sprintf("kafka-%d", i))}
		var err error
		if n.port, err = pick(at(c.cfg.listenPorts, i)); err != nil {
			return err
		}
		if n.ctrlPort, err = pick(0); err != nil {
			return err
		}
		adv := n.port
		if p := at(c.cfg.advertisedPorts, i); p > 0 {
			adv = p
		}
		n.advertised = "127.0.0.1:" + strconv.Itoa(adv)
		if err := os.MkdirAll(n.dataDir(), 0o755); err != nil {
			return fmt.Errorf("kafkalocal: node dir: %w", err)
		}
		c.nodes = append(c.nodes, n)
	}
	return nil
}

func at(s []int, i int) int {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// spawn starts the java process of node i without waiting for it.
func (c *Cluster) spawn(ctx context.Context, i int) error {
	n := c.nodes[i]
	spec := proc.Spec{
		Name:  n.name(),
		Path:  c.launch.java,
		Args:  c.launch.args(c.cfg.heap, "", mainBroker, n.propsPath()),
		Dir:   n.dir,
		Grace: c.cfg.stopGrace,
	}
	if c.cfg.logWriter != nil {
		spec.Log = &prefixWriter{w: c.cfg.logWriter, prefix: n.name() + " | "}
	}
	p, err := proc.Start(ctx, spec)
	if err != nil {
		return fmt.Errorf("kafkalocal: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = p.Kill()
		return fmt.Errorf("kafkalocal: start %s: %w", n.name(), ErrClosed)
	}
	c.procs[i] = p
	return nil
}

// process returns the latest process of node i (nil before its first start).
func (c *Cluster) process(i int) *proc.Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[i]
}

// expectedIDs returns the node ids of brokers that run and are not paused.
func (c *Cluster) expectedIDs() []int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []int32
	for i, p := range c.procs {
		if p != nil && p.Running() && !p.Paused() {
			ids = append(ids, int32(c.nodes[i].id))
		}
	}
	return ids
}

func (c *Cluster) describe(i int) string {
	if p := c.process(i); p != nil {
		return p.Describe(40)
	}
	return c.nodes[i].name() + " was never started"
}

// Close kills every broker at once (SIGKILL) and removes the temporary data folder (a
// DataDir given by the caller is kept). It is safe to call twice; later calls return nil.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	procs := append([]*proc.Process(nil), c.procs...)
	c.mu.Unlock()
	var errs []error
	for _, p := range procs {
		if p != nil {
			errs = append(errs, p.Kill())
		}
	}
	if c.ownRoot {
		errs = append(errs, os.RemoveAll(c.root))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kafkalocal: close: %w", err)
	}
	return nil
}
