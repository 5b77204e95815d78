package redis

import (
	"context"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStartAnswersPingAndStops(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed: make deps installs it (Debian: apt-get install -y redis-server)")
	}
	ctx := context.Background()
	s, err := Start(ctx)
	require.NoError(t, err)
	ok, line, err := Ping(ctx, s.Addr)
	require.NoError(t, err)
	require.True(t, ok, "PING answered %q", line)
	require.NoError(t, s.Stop(ctx))
	ok, _, _ = Ping(ctx, s.Addr)
	require.False(t, ok, "redis-server still answers after Stop")
}
