package proc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func startSh(t *testing.T, script string, grace time.Duration) *Process {
	t.Helper()
	p, err := Start(context.Background(), Spec{Name: "sh", Path: "sh", Args: []string{"-c", script}, Grace: grace})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Kill() })
	return p
}

func waitPrinted(t *testing.T, p *Process, s string) {
	t.Helper()
	require.Eventually(t, func() bool { return p.Printed(s) }, 5*time.Second, 10*time.Millisecond, "never printed %q: %s", s, p.Tail(5))
}

func TestStopGraceful(t *testing.T) {
	p := startSh(t, `trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done`, 5*time.Second)
	waitPrinted(t, p, "ready")
	require.NoError(t, p.Stop(context.Background()))
	require.False(t, p.Running())
	require.True(t, p.Printed("bye"), p.Tail(0))
	require.NoError(t, p.Stop(context.Background()), "Stop is safe twice")
}

func TestStopEscalatesToKill(t *testing.T) {
	p := startSh(t, `trap '' TERM; echo ready; while :; do sleep 0.05; done`, 200*time.Millisecond)
	waitPrinted(t, p, "ready")
	start := time.Now()
	require.NoError(t, p.Stop(context.Background()))
	require.False(t, p.Running())
	require.Less(t, time.Since(start), 3*time.Second)
	require.Contains(t, p.Err().Error(), "killed")
}

func TestPauseResume(t *testing.T) {
	p := startSh(t, `i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.02; done`, time.Second)
	waitPrinted(t, p, "tick 3")
	require.NoError(t, p.Pause())
	require.NoError(t, p.Pause(), "Pause is idempotent")
	time.Sleep(100 * time.Millisecond) // let a tick in flight land
	frozen := p.Tail(1)
	time.Sleep(300 * time.Millisecond) // a paused process must print nothing for a while
	require.Equal(t, frozen, p.Tail(1), "paused process kept printing")
	require.NoError(t, p.Resume())
	require.Eventually(t, func() bool { return p.Tail(1) != frozen }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, p.Kill())
	require.ErrorIs(t, p.Pause(), ErrNotRunning)
}

func TestKillAllLeavesNothing(t *testing.T) {
	a := startSh(t, `sleep 60 & wait`, time.Second)
	b := startSh(t, `sleep 60`, time.Second)
	require.Len(t, Live(), 2)
	KillAll()
	require.Empty(t, Live())
	require.False(t, a.Running())
	require.False(t, b.Running())
}

func TestRingKeepsLastLines(t *testing.T) {
	r := newRing(3)
	_, _ = r.Write([]byte("a\nb\nc\nd\npart"))
	require.Equal(t, []string{"b", "c", "d", "part"}, r.tail(0), "three whole lines and the partial one")
	_, _ = r.Write([]byte("ial\n"))
	require.Equal(t, "c d partial", strings.Join(r.tail(0), " "), "the completed line pushes the oldest out")
	require.Equal(t, []string{"partial"}, r.tail(1))
}

func TestStartMissingBinary(t *testing.T) {
	_, err := Start(context.Background(), Spec{Name: "nope", Path: "definitely-not-a-binary-xyz"})
	require.ErrorContains(t, err, "start nope")
}

func TestIsolatedEnvironment(t *testing.T) {
	t.Setenv("TENANT_ID", "leaked")
	p, err := Start(context.Background(), Spec{Name: "env", Path: "sh", Isolated: true,
		Args: []string{"-c", `echo "tenant=[$TENANT_ID] mine=[$MINE] path=[${PATH:+set}]"`}, Env: []string{"MINE=yes"}})
	require.NoError(t, err)
	<-p.Done()
	require.Equal(t, "tenant=[] mine=[yes] path=[set]", p.Tail(1))
}
