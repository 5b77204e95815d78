package containers

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"
)

// envRequired makes missing Docker or images a failure instead of a skip
// (`make containers-test` sets it).
const envRequired = "DASHSTREAM_CONTAINERS_REQUIRED"

// requireDocker skips the test (or fails it under DASHSTREAM_CONTAINERS_REQUIRED=1) when
// no daemon answers or the images are missing.
func requireDocker(t *testing.T, components ...Component) {
	t.Helper()
	skip := t.Skipf
	if os.Getenv(envRequired) == "1" {
		skip = t.Fatalf
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cli, err := dockerClient(ctx)
	if err != nil {
		skip("containers stack: %v", err)
		return
	}
	defer cli.Close()
	for _, c := range append([]Component{Kafka}, components...) {
		if _, err := imageVersion(ctx, cli, c, Image(c)); err != nil {
			skip("containers stack: %v", err)
			return
		}
	}
}

// startStack starts a stack for one test and closes it when the test ends.
func startStack(t *testing.T, components ...Component) *Stack {
	t.Helper()
	requireDocker(t, components...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	st, err := Start(ctx)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		require.NoError(t, st.Close(ctx))
	})
	t.Logf("stack %s started in %s (kafka %s)", st.RunID(), time.Since(start).Round(time.Millisecond), st.Kafka().Version())
	return st
}

// testCtx is a context bounded by d, cancelled when the test ends.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// counts is how many resources carry a label.
type counts struct{ containers, networks, volumes int }

// countByLabel counts the containers (any state), networks and volumes carrying
// label=value.
func countByLabel(t *testing.T, label, value string) counts {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	cli, err := dockerClient(ctx)
	require.NoError(t, err)
	defer cli.Close()
	f := client.Filters{}.Add("label", label+"="+value)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	require.NoError(t, err)
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	require.NoError(t, err)
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	require.NoError(t, err)
	return counts{len(cs.Items), len(ns.Items), len(vs.Items)}
}
