package monitoring_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/profile"
)

func TestGroupWaitOfTheFastProfile(t *testing.T) {
	src, err := monitoring.Fixture(monitoring.ProductionAlertmanager)
	require.NoError(t, err)
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	fast, err := profile.Alertmanager(b, profile.Fast, "x", func(r string) string { return "http://127.0.0.1:9/" + r })
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "am.yml")
	require.NoError(t, os.WriteFile(path, fast, 0o644))
	st := &monitoring.Stack{AlertmanagerFile: path}
	for _, r := range []string{"pager", "team"} {
		d, err := st.GroupWait(r)
		require.NoError(t, err, r)
		require.Equal(t, time.Second, d, "%s: production 30s / 60, floor 1s", r)
	}
	_, err = st.GroupWait("nobody")
	require.ErrorContains(t, err, `no route delivers to receiver "nobody"`)

	own := filepath.Join(t.TempDir(), "own.yml")
	require.NoError(t, os.WriteFile(own, []byte("route:\n  receiver: team\n  routes:\n    - receiver: pager\n      group_wait: 7s\n"), 0o644))
	st = &monitoring.Stack{AlertmanagerFile: own}
	d, err := st.GroupWait("pager")
	require.NoError(t, err)
	require.Equal(t, 7*time.Second, d, "a route's own group_wait")
	d, err = st.GroupWait("team")
	require.NoError(t, err)
	require.Equal(t, 30*time.Second, d, "Alertmanager's default")
}
