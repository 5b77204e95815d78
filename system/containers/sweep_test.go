package containers

import (
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"
)

func TestSweepRemovesOnlyLeftoversOfDeadProcesses(t *testing.T) {
	requireDocker(t)
	ctx := testCtx(t, time.Minute)
	cli, err := dockerClient(ctx)
	require.NoError(t, err)
	defer cli.Close()
	mk := func(name, pid string) {
		labels := runLabels("sweeptest")
		labels[LabelPID] = pid
		_, err := cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Labels: labels})
		require.NoError(t, err)
		t.Cleanup(func() { _, _ = cli.NetworkRemove(ctx, name, client.NetworkRemoveOptions{}) })
	}
	mk("dashstream-sweep-dead", "2147483646") // no such process
	mk("dashstream-sweep-alive", runLabels("x")[LabelPID])
	n, err := Sweep(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	_, err = cli.NetworkInspect(ctx, "dashstream-sweep-dead", client.NetworkInspectOptions{})
	require.Error(t, err, "the leftover of a dead process is removed")
	_, err = cli.NetworkInspect(ctx, "dashstream-sweep-alive", client.NetworkInspectOptions{})
	require.NoError(t, err, "a live run's network is kept")
}
