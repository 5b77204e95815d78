package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/dashstream/acceptance/system/netfault"
	"github.com/dashstream/acceptance/system/stack"
)

// ServicePort is the port a service with an AddrEnv listens on inside its container; it
// is published on a pinned loopback port (Service.Addr) and reached by Prometheus on the
// network as <name>:8080 (Service.ScrapeAddr).
const ServicePort = 8080

// binaries maps the reference binaries to their images.
var binaries = map[string]Component{
	stack.Exporter: Exporter, stack.WSServer: WSServer, stack.Produce: Produce, stack.Consume: Consume,
}

// services implements stack.Services with containers on the stack's network.
type services struct {
	st *Stack

	mu      sync.Mutex
	aliases map[string]int // instances started per alias, for unique names
}

var _ stack.Services = (*services)(nil)

var notAlias = regexp.MustCompile(`[^a-z0-9-]+`)

// uniqueAlias returns alias(name) for the first service of that name in the stack and
// alias(name)-2, -3, ... for later ones, skipping any alias already handed out: concurrent
// scenarios (and a stopped container, kept until Close for its logs) must not collide on
// the container name or the DNS alias.
func (s *services) uniqueAlias(name string) string {
	a := alias(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aliases == nil {
		s.aliases = map[string]int{}
	}
	// A later service may be named like an earlier one's unique alias ("exporter-2"
	// beside the second "exporter"): count every alias handed out, not only names.
	for {
		s.aliases[a]++
		got := a
		if n := s.aliases[a]; n > 1 {
			got = fmt.Sprintf("%s-%d", a, n)
		}
		if got == a || s.aliases[got] == 0 {
			if got != a {
				s.aliases[got]++
			}
			return got
		}
	}
}

// alias turns a service name into a DNS name on the network ("Quality Agg" -> "quality-agg").
func alias(name string) string {
	a := strings.Trim(notAlias.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if a == "" {
		return "service"
	}
	return a
}

func (s *services) image(ctx context.Context, spec stack.ServiceSpec) (string, error) {
	if spec.Image != "" {
		// Another implementation's image: the user's to build or pull.
		if _, err := s.st.cli.ImageInspect(ctx, spec.Image); err != nil {
			if isNotFound(err) {
				return "", fmt.Errorf("%w: %s (for %s, from the SUT profile): build it (DashFlow's: make sut-dashflow-images) or pull it where a registry is reachable", ErrNoImage, spec.Image, spec.Name)
			}
			return "", fmt.Errorf("inspect image %s: %w", spec.Image, err)
		}
		return spec.Image, nil
	}
	if spec.Command != "" {
		return "", fmt.Errorf("%s runs the program %s, and this stack runs images: give the role an image in its SUT profile", spec.Name, spec.Command)
	}
	c, ok := binaries[spec.Binary]
	if !ok {
		return "", fmt.Errorf("unknown binary %q: use one of stack.Exporter, WSServer, Produce, Consume", spec.Binary)
	}
	ref := Image(c)
	if _, err := imageVersion(ctx, s.st.cli, c, ref); err != nil {
		return "", err
	}
	return ref, nil
}

func (s *services) env(spec stack.ServiceSpec) map[string]string {
	env := map[string]string{spec.BrokersVar(): InternalBootstrap}
	maps.Copy(env, spec.Env)
	_, grants := env["WS_AUTH_TOKENS"]
	_, grantsFile := env["WS_AUTH_TOKENS_FILE"]
	if spec.Binary == stack.WSServer && spec.AddrEnv != "" && !grants && !grantsFile {
		// In its container the server listens on every interface, which it refuses without
		// token grants unless told; the stack's network is the run's own and its ports are
		// published on 127.0.0.1, as the other stacks' loopback listeners.
		if _, set := env["WS_UNAUTHENTICATED"]; !set {
			env["WS_UNAUTHENTICATED"] = "true"
		}
	}
	return env
}

// Start implements stack.Services: a container named after spec.Name on the network.
func (s *services) Start(ctx context.Context, spec stack.ServiceSpec) (stack.Service, error) {
	ref, err := s.image(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	svc := &service{st: s.st, spec: spec, image: ref, alias: s.uniqueAlias(spec.Name), env: s.env(spec)}
	if spec.AddrEnv != "" {
		if svc.addr, err = netfault.FreeAddr(); err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		maps.Copy(svc.env, spec.ListenEnv("", fmt.Sprint(ServicePort)))
	}
	if err := svc.Restart(ctx); err != nil {
		return nil, err
	}
	return svc, nil
}

// Run implements stack.Services: a container that runs to completion, then is removed.
func (s *services) Run(ctx context.Context, spec stack.ServiceSpec) (stack.Result, error) {
	ref, err := s.image(ctx, spec)
	if err != nil {
		return stack.Result{}, fmt.Errorf("run %s: %w", spec.Name, err)
	}
	env := s.env(spec)
	if env[spec.BrokersVar()], err = s.st.containerBrokers(ctx, env[spec.BrokersVar()]); err != nil {
		return stack.Result{}, fmt.Errorf("run %s: %w", spec.Name, err)
	}
	gw, err := s.st.gatewayAddr(ctx)
	if err != nil {
		return stack.Result{}, fmt.Errorf("run %s: %w", spec.Name, err)
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	start := time.Now()
	ctr, err := testcontainers.Run(ctx, ref,
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		testcontainers.WithName(s.st.name("run-"+alias(spec.Name)+"-"+hex.EncodeToString(suffix))),
		testcontainers.WithLabels(runLabels(s.st.runID)),
		testcontainers.WithEnv(env),
		testcontainers.WithHostConfigModifier(hostAccess(gw)),
		testcontainers.WithCmd(spec.Args...),
		network.WithNetwork([]string{alias(spec.Name)}, s.st.net),
	)
	if ctr != nil {
		defer removeContainer(s.st.cli, ctr.GetContainerID())
	}
	if err != nil {
		return stack.Result{}, fmt.Errorf("run %s: %w", spec.Name, err)
	}
	wait := s.st.cli.ContainerWait(ctx, ctr.GetContainerID(), client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	res := stack.Result{ExitCode: -1}
	select {
	case w := <-wait.Result:
		res.ExitCode = int(w.StatusCode)
	case err = <-wait.Error:
	case <-ctx.Done():
		err = ctx.Err()
	}
	res.Duration = time.Since(start)
	var logErr error
	res.Stdout, res.Stderr, logErr = splitLogs(context.WithoutCancel(ctx), s.st.cli, ctr.GetContainerID())
	if err != nil {
		return res, fmt.Errorf("run %s: %w", spec.Name, err)
	}
	if logErr != nil {
		return res, fmt.Errorf("run %s: %w", spec.Name, logErr)
	}
	return res, nil
}

// removeContainer removes a container and its anonymous volumes, bounded in time.
func removeContainer(cli client.APIClient, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
}

// service is a long-running service container. Restart replaces the container (the
// environment may have changed) at the same name, network alias and host port.
type service struct {
	st    *Stack
	spec  stack.ServiceSpec
	image string
	alias string
	addr  string // 127.0.0.1:<pinned port>, "" without AddrEnv

	mu     sync.Mutex
	env    map[string]string
	id     string // current container
	paused bool
}

var _ stack.Service = (*service)(nil)

func (s *service) Name() string { return s.spec.Name }
func (s *service) Addr() string { return s.addr }

// ScrapeAddr is <alias>:ServicePort, the address on the stack's network.
func (s *service) ScrapeAddr() string {
	if s.addr == "" {
		return ""
	}
	return net.JoinHostPort(s.alias, fmt.Sprint(ServicePort))
}

func (s *service) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

func (s *service) Running() bool {
	id := s.current()
	if id == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.st.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	return err == nil && res.Container.State != nil && res.Container.State.Running
}

func (s *service) Stop(ctx context.Context) error {
	id := s.current()
	if id == "" {
		return nil
	}
	if err := s.Resume(ctx); err != nil {
		return err
	}
	grace := 5
	if _, err := s.st.cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &grace}); err != nil && !isNotFound(err) {
		return fmt.Errorf("stop %s: %w", s.spec.Name, err)
	}
	return nil
}

func (s *service) Kill(ctx context.Context) error {
	id := s.current()
	if id == "" || !s.Running() {
		return nil
	}
	if err := s.Resume(ctx); err != nil {
		return err
	}
	if _, err := s.st.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil && !isNotFound(err) && !strings.Contains(err.Error(), "is not running") {
		return fmt.Errorf("kill %s: %w", s.spec.Name, err)
	}
	return nil
}

func (s *service) Pause(ctx context.Context) error {
	id := s.current()
	if id == "" {
		return errors.New("pause " + s.spec.Name + ": not running")
	}
	if _, err := s.st.cli.ContainerPause(ctx, id, client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("pause %s: %w", s.spec.Name, err)
	}
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
	return nil
}

func (s *service) Resume(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.paused || s.id == "" {
		return nil
	}
	if _, err := s.st.cli.ContainerUnpause(ctx, s.id, client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("resume %s: %w", s.spec.Name, err)
	}
	s.paused = false
	return nil
}

func (s *service) SetEnv(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.env[key] = value
}

// Restart stops and removes the current container and starts a new one with the current
// environment at the same name, alias and host port.
func (s *service) Restart(ctx context.Context) error {
	if err := s.Stop(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != "" {
		removeContainer(s.st.cli, s.id)
		s.id = ""
	}
	env := maps.Clone(s.env)
	brokers, err := s.st.containerBrokers(ctx, env[s.spec.BrokersVar()])
	if err != nil {
		return fmt.Errorf("start %s: %w", s.spec.Name, err)
	}
	env[s.spec.BrokersVar()] = brokers
	gw, err := s.st.gatewayAddr(ctx)
	if err != nil {
		return fmt.Errorf("start %s: %w", s.spec.Name, err)
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		testcontainers.WithName(s.st.name("svc-" + s.alias)),
		testcontainers.WithLabels(runLabels(s.st.runID)),
		testcontainers.WithEnv(env),
		testcontainers.WithCmd(s.spec.Args...),
		network.WithNetwork([]string{s.alias}, s.st.net),
		testcontainers.WithHostConfigModifier(hostAccess(gw)),
	}
	if s.addr != "" {
		_, port, _ := net.SplitHostPort(s.addr)
		opts = append(opts, testcontainers.WithExposedPorts(fmt.Sprintf("%d/tcp", ServicePort)),
			testcontainers.WithHostConfigModifier(pinPort(ServicePort, port)))
	}
	ctr, err := testcontainers.Run(ctx, s.image, opts...)
	if ctr != nil {
		s.id = ctr.GetContainerID()
	}
	if err != nil {
		return fmt.Errorf("start %s (image %s): %w", s.spec.Name, s.image, err)
	}
	return nil
}

func (s *service) Log(n int) string {
	id := s.current()
	if id == "" {
		return ""
	}
	return containerLogs(context.Background(), s.st.cli, id, n)
}
