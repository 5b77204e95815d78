package soak

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// envListen makes the test binary, re-executed, listen on a TCP port and sleep: a child
// that holds a port, for TestLeftoversFindsARealChild.
const envListen = "SOAK_TEST_LISTEN"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envFakeSuite); mode != "" {
		os.Exit(fakeSuite(mode))
	}
	if os.Getenv(envListen) == "1" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(3)
		}
		fmt.Println(l.Addr())
		time.Sleep(time.Minute) // the test kills it long before
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLeftovers(t *testing.T) {
	const run = 900100
	before := Snapshot{
		Procs: map[int]Process{
			900001: {PID: 900001, PPID: 1, PGID: 900001, Cmdline: "/opt/.bin/prometheus --old"},
		},
		Listen:     map[string]uint64{"tcp 0100007F:0050": 1},
		Docker:     true,
		Containers: []Container{{ID: "old", PID: "77"}},
	}
	after := Snapshot{
		Procs: map[int]Process{
			900001: {PID: 900001, PPID: 1, PGID: 900001, Cmdline: "/opt/.bin/prometheus --old"},                      // there before
			900101: {PID: 900101, PPID: run, PGID: 900101, Cmdline: "dskfake -port 1", sockets: []uint64{2}},         // child of the run
			900102: {PID: 900102, PPID: 1, PGID: 900102, Cmdline: "sleep 5", env: []string{"TMPDIR=/x/run"}},         // orphan with the marker
			900103: {PID: 900103, PPID: 1, PGID: run, Cmdline: "sh -c x"},                                            // in the run's group
			900104: {PID: 900104, PPID: 1, PGID: 900104, Cmdline: "/opt/.bin/alertmanager"},                          // new harness orphan
			900105: {PID: 900105, PPID: 900200, PGID: 900105, Cmdline: "java -cp kafka.Kafka", sockets: []uint64{4}}, // another user's
			900200: {PID: 900200, PPID: 1, PGID: 900200, Cmdline: "steps.test -stack=local"},
			900300: {PID: 900300, PPID: 1, PGID: 900300, Cmdline: "bash"},
		},
		Listen: map[string]uint64{
			"tcp 0100007F:0050": 1, // there before
			"tcp 0100007F:1F90": 2, // held by the run's dskfake
			"tcp 0100007F:1F91": 3, // nobody holds it
			"tcp 0100007F:1F92": 4, // another user's broker
		},
		Docker: true,
		Containers: []Container{
			{ID: "old", PID: "77"},
			{ID: "ours", Name: "/kafka-0", PID: fmt.Sprint(run)},
			{ID: "theirs", Name: "/kafka-1", PID: "900200"},
		},
	}
	tmp := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "left.txt"), nil, 0o644))

	l := Leftovers(before, after, Child{PID: run, EnvMarker: "TMPDIR=/x/run", TempDir: tmp})
	require.Len(t, l.Processes, 4)
	require.Contains(t, l.Processes[0], "dskfake")
	require.Contains(t, l.Processes[1], "sleep 5")
	require.Contains(t, l.Processes[2], "sh -c x")
	require.Contains(t, l.Processes[3], "alertmanager")
	require.Equal(t, []string{
		"tcp 0100007F:1F90 (port 8080), held by pid 900101 (ppid 900100, pgid 900101, ): dskfake -port 1",
		"tcp 0100007F:1F91 (port 8081), owner unknown",
	}, l.Ports)
	require.Equal(t, []string{"container ours /kafka-0 (, pid label 900100)"}, l.Containers)
	require.Equal(t, []string{filepath.Join(tmp, "left.txt")}, l.TempFiles)
	require.Len(t, l.Foreign, 3, "another user's broker, its port and its container: %q", l.Foreign)
	require.Equal(t, 8, l.Count(), "foreign things are not counted")

	clean := Leftovers(before, before, Child{PID: run, TempDir: t.TempDir()})
	require.Zero(t, clean.Count())
	require.Empty(t, clean.Foreign)
}

// TestLeftoversFindsARealChild starts a process that holds a listening port, finds it and
// its port as leaked, kills it and finds nothing.
func TestLeftoversFindsARealChild(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before, err := TakeSnapshot(ctx)
	require.NoError(t, err)
	tmp := t.TempDir()
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), envListen+"=1", "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make([]byte, 64)
	n, err := out.Read(addr) // the child prints its address once it listens
	require.NoError(t, err)
	require.Contains(t, string(addr[:n]), "127.0.0.1:")

	c := Child{PID: 1 << 30, EnvMarker: "TMPDIR=" + tmp, TempDir: tmp} // found by its marker only
	after, err := TakeSnapshot(ctx)
	require.NoError(t, err)
	l := Leftovers(before, after, c)
	require.Len(t, l.Processes, 1, "%q", l.Processes)
	require.Contains(t, l.Processes[0], fmt.Sprintf("pid %d ", cmd.Process.Pid))
	require.Len(t, l.Ports, 1, "%q", l.Ports)
	require.Contains(t, l.Ports[0], fmt.Sprintf("held by pid %d ", cmd.Process.Pid))

	childPort := l.Ports[0]
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	after, err = TakeSnapshot(ctx)
	require.NoError(t, err)
	l = Leftovers(before, after, c)
	// Other test binaries run beside this one and open ports of their own meanwhile: the
	// verdict is about the child's process, port and files.
	require.Empty(t, l.Processes, "%+v", l)
	require.Empty(t, l.TempFiles, "%+v", l)
	require.Empty(t, l.Containers, "%+v", l)
	port := childPort[strings.Index(childPort, "(port "):]
	port = port[:strings.Index(port, ")")+1]
	for _, p := range l.Ports {
		require.NotContains(t, p, port, "the child's port outlived it: %+v", l)
	}
}
