package containers

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/stack"
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

// envHelperRun makes TestHelperStackUntilKilled start a stack with this run id.
const envHelperRun = "DASHSTREAM_CONTAINERS_HELPER_RUN"

// TestHelperStackUntilKilled is the child of TestSweepAfterKilledRun: it starts a stack
// with a service, prints "ready" and waits to be killed. It does nothing in a normal run.
func TestHelperStackUntilKilled(t *testing.T) {
	id := os.Getenv(envHelperRun)
	if id == "" {
		t.Skip("helper process of TestSweepAfterKilledRun")
	}
	ctx := testCtx(t, 3*time.Minute)
	st, err := Start(ctx, RunID(id))
	require.NoError(t, err)
	_, err = st.Services().Start(ctx, helperSpec)
	require.NoError(t, err)
	os.Stdout.WriteString("ready\n")
	<-ctx.Done() // killed long before
}

func TestSweepAfterKilledRun(t *testing.T) {
	requireDocker(t, Consume)
	ctx := testCtx(t, 3*time.Minute)
	id := "killed-" + runLabels("x")[LabelPID]
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperStackUntilKilled$", "-test.v")
	cmd.Env = append(os.Environ(), envHelperRun+"="+id)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "ready" {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		require.True(t, ok, "the helper process ended before its stack was ready")
	case <-ctx.Done():
		t.Fatal("the helper process did not start its stack within 3 minutes")
	}
	left := countByLabel(t, LabelRun, id)
	require.Equal(t, counts{containers: 2, networks: 1, volumes: 1}, left, "kafka, its volume, a service, the network")

	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no Close runs
	_ = cmd.Wait()
	n, err := Sweep(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 4)
	require.Equal(t, counts{}, countByLabel(t, LabelRun, id), "left after Sweep")
}

// helperSpec is a long-running service without a port: a consumer waiting for records.
var helperSpec = stack.ServiceSpec{Name: "consumer", Binary: stack.Consume, Args: []string{"-topic", "sweep", "-from-start"}}
