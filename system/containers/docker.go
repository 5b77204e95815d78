package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Labels every container and network of the stack carries.
const (
	// LabelRun is the run id of the Stack that created the resource.
	LabelRun = "dashstream.acceptance.run"
	// LabelPID is the process id of the harness that created it; Sweep removes resources
	// whose process is gone.
	LabelPID = "dashstream.acceptance.pid"
	// LabelOwner marks every resource of the harness ("dashstream-acceptance").
	LabelOwner = "dashstream.acceptance"
)

// ErrNoDocker is returned when no Docker daemon answers.
var ErrNoDocker = errors.New("no Docker daemon answers: start one with `scripts/dockerd start` (or `make containers-test`), or set DOCKER_HOST")

// configureTestcontainers sets the environment testcontainers-go needs on this kind of
// machine unless the user set it: Ryuk (its reaper) cannot be pulled without a registry, so
// the harness cleans up itself by label; and the host is 127.0.0.1 (dockerd --ip) instead
// of the default gateway testcontainers would otherwise dial.
func configureTestcontainers() {
	for k, v := range map[string]string{
		"TESTCONTAINERS_RYUK_DISABLED": "true",
		"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
	} {
		if _, set := os.LookupEnv(k); !set {
			_ = os.Setenv(k, v)
		}
	}
}

// dockerClient returns a client of the daemon, or ErrNoDocker when it does not answer.
func dockerClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	configureTestcontainers()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDocker, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{}); err != nil {
		cli.Close()
		return nil, fmt.Errorf("%w: %w", ErrNoDocker, err)
	}
	return cli, nil
}

// Available reports whether a Docker daemon answers, with the reason when it does not.
func Available(ctx context.Context) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	return cli.Close()
}

// runLabels are the labels of every resource of run id.
func runLabels(id string) map[string]string {
	return map[string]string{LabelOwner: "dashstream-acceptance", LabelRun: id, LabelPID: strconv.Itoa(os.Getpid())}
}

// removeByLabel removes every container (with its anonymous volumes), then every network
// and then every volume carrying label=value, except those keep reports, and returns how
// many resources it removed.
func removeByLabel(ctx context.Context, cli client.APIClient, label, value string, keep func(map[string]string) bool) (int, error) {
	f := client.Filters{}.Add("label", label+"="+value)
	if value == "" {
		f = client.Filters{}.Add("label", label)
	}
	var errs []error
	removed := 0
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		if keep != nil && keep(c.Labels) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.ID[:12], err))
			continue
		}
		removed++
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if keep != nil && keep(n.Labels) {
			continue
		}
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		removed++
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list volumes: %w", err))...)
	}
	for _, v := range vs.Items {
		if keep != nil && keep(v.Labels) {
			continue
		}
		if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// Sweep removes the containers, networks and volumes left by earlier runs of the harness: those
// labelled LabelOwner whose creating process (LabelPID) no longer runs on this machine.
// Resources of runs still in progress, here or in another test process, are kept. It
// returns how many resources it removed.
func Sweep(ctx context.Context) (int, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	return sweep(ctx, cli)
}

// sweep is Sweep with a client.
func sweep(ctx context.Context, cli client.APIClient) (int, error) {
	n, err := removeByLabel(ctx, cli, LabelOwner, "", func(labels map[string]string) bool {
		pid, err := strconv.Atoi(labels[LabelPID])
		return err == nil && processAlive(pid)
	})
	if err != nil {
		return n, fmt.Errorf("sweep: %w", err)
	}
	return n, nil
}

// processAlive reports whether a process with pid exists.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func isNotFound(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "No such") || strings.Contains(err.Error(), "not found"))
}

// containerLogs returns the last n lines (stdout and stderr) of a container, all of them
// when n <= 0 (as proc.Process.Tail), "" when it is gone.
func containerLogs(ctx context.Context, cli client.APIClient, id string, n int) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rc, err := cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: tailArg(n)})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var out bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &out, rc)
	return out.String()
}

// tailArg is docker logs --tail for the last n lines, "all" when n <= 0.
func tailArg(n int) string {
	if n <= 0 {
		return "all"
	}
	return strconv.Itoa(n)
}

// splitLogs returns a container's whole stdout and stderr.
func splitLogs(ctx context.Context, cli client.APIClient, id string) (string, string, error) {
	rc, err := cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", "", fmt.Errorf("logs: %w", err)
	}
	defer rc.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, rc); err != nil {
		return stdout.String(), stderr.String(), fmt.Errorf("logs: %w", err)
	}
	return stdout.String(), stderr.String(), nil
}
