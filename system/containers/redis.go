package containers

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/dashstream/acceptance/system/netfault"
	"github.com/dashstream/acceptance/system/redis"
	"github.com/dashstream/acceptance/system/stack"
)

// RedisPort is the port Redis listens on in its container.
const RedisPort = 6379

var _ stack.RedisStarter = (*services)(nil)

// StartRedis implements stack.RedisStarter: the Redis image (DASHSTREAM_IMAGE_REDIS) on
// the stack's network under the alias name, nothing persisted, its port published on a pinned
// loopback port only to wait until it answers PING. The URL is the one services on the
// network reach it at.
func (s *services) StartRedis(ctx context.Context, name string) (string, func(context.Context) error, error) {
	ref := Image(Redis)
	if _, err := imageVersion(ctx, s.st.cli, Redis, ref); err != nil {
		return "", nil, err
	}
	hostAddr, err := netfault.FreeAddr()
	if err != nil {
		return "", nil, err
	}
	_, hostPort, _ := net.SplitHostPort(hostAddr)
	a := s.uniqueAlias(name)
	// The official image's entrypoint runs a command that starts with redis-server as
	// given; the local image has that command on its PATH.
	ctr, err := testcontainers.Run(ctx, ref,
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		testcontainers.WithName(s.st.name(a)),
		testcontainers.WithLabels(runLabels(s.st.runID)),
		testcontainers.WithCmd("redis-server", "--port", fmt.Sprint(RedisPort), "--save", "", "--appendonly", "no", "--protected-mode", "no"),
		testcontainers.WithExposedPorts(fmt.Sprintf("%d/tcp", RedisPort)),
		testcontainers.WithHostConfigModifier(pinPort(RedisPort, hostPort)),
		network.WithNetwork([]string{a}, s.st.net),
	)
	remove := func(context.Context) error { return nil }
	if ctr != nil {
		id := ctr.GetContainerID()
		remove = func(context.Context) error { removeContainer(s.st.cli, id); return nil }
	}
	if err != nil {
		_ = remove(ctx)
		return "", nil, fmt.Errorf("start redis (image %s): %w", ref, err)
	}
	err = poll(ctx, DefaultStartTimeout, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		ok, line, err := redis.Ping(ctx, hostAddr)
		if err != nil {
			return false, err.Error()
		}
		return ok, "PING answered " + line
	})
	if err != nil {
		_ = remove(ctx)
		return "", nil, fmt.Errorf("redis (image %s) did not answer PING: %w", ref, err)
	}
	return fmt.Sprintf("redis://%s:%d", a, RedisPort), remove, nil
}
