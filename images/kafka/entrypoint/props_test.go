package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPropertyName(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"KAFKA_ADVERTISED_LISTENERS", "advertised.listeners"},
		{"KAFKA_LOG_DIRS", "log.dirs"},
		{"KAFKA_NODE_ID", "node.id"},
		{"KAFKA_LISTENER_NAME_INTERNAL_SASL__ENABLED___MECHANISMS", "listener.name.internal.sasl_enabled-mechanisms"},
	} {
		require.Equal(t, tc.want, propertyName(tc.env), tc.env)
	}
}

func TestProperties(t *testing.T) {
	for _, tc := range []struct {
		name    string
		environ []string
		want    map[string]string
	}{
		{
			name:    "launcher variables and others are not properties",
			environ: []string{"KAFKA_NODE_ID=3", "KAFKA_HEAP_OPTS=-Xmx1g", "KAFKA_OPTS=-Dx=y", "PATH=/bin", "CLUSTER_ID=abc", "KAFKA_LISTENERS=A://:1"},
			want:    map[string]string{"node.id": "3", "listeners": "A://:1"},
		},
		{
			name:    "listeners derived from advertised listeners",
			environ: []string{"KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka:19092, EXTERNAL://127.0.0.1:40001"},
			want: map[string]string{
				"advertised.listeners": "INTERNAL://kafka:19092, EXTERNAL://127.0.0.1:40001",
				"listeners":            "INTERNAL://:19092,EXTERNAL://:40001",
			},
		},
		{
			name:    "no property: the single-node defaults",
			environ: []string{"KAFKA_HEAP_OPTS=-Xmx1g", "HOME=/"},
			want:    singleNode,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := properties(tc.environ)
			for k, v := range tc.want {
				require.Equal(t, v, got[k], k)
			}
			if tc.name == "no property: the single-node defaults" {
				require.Len(t, got, len(singleNode))
			} else {
				require.Len(t, got, len(tc.want))
			}
		})
	}
}

func TestRenderSorted(t *testing.T) {
	out := string(render(map[string]string{"b": "2", "a": "1"}))
	require.Contains(t, out, "a=1\nb=2\n")
}

func TestFormatted(t *testing.T) {
	dir := t.TempDir()
	meta := filepath.Join(dir, "meta")
	props := map[string]string{"log.dirs": dir, "metadata.log.dir": meta}
	require.False(t, formatted(props))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "meta.properties"), nil, 0o644))
	require.False(t, formatted(props), "the metadata folder is not formatted yet")
	require.NoError(t, os.MkdirAll(meta, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(meta, "meta.properties"), nil, 0o644))
	require.True(t, formatted(props))
}

func TestClasspathOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.jar", "a.jar"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o644))
	}
	cp, err := classpath(dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "a.jar")+":"+filepath.Join(dir, "b.jar"), cp)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "classpath.txt"), []byte("b.jar\na.jar\n"), 0o644))
	cp, err = classpath(dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "b.jar")+":"+filepath.Join(dir, "a.jar"), cp)
	_, err = classpath(t.TempDir())
	require.Error(t, err)
}
