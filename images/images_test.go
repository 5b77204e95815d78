package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/tools"
)

func TestParseLdd(t *testing.T) {
	out := []byte(`	linux-vdso.so.1 (0x00007ffd)
	libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f1)
	libjvm.so => not found
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)
	/lib64/ld-linux-x86-64.so.2 (0x00007f3)
`)
	libs, missing := parseLdd(out)
	require.Equal(t, []string{"/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libz.so.1", "/lib64/ld-linux-x86-64.so.2"}, libs)
	require.Equal(t, []string{"libjvm.so"}, missing)
}

func TestIsLinuxAmd64Native(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"linux/amd64/libzstd-jni-1.5.7-17.so", true},
		{"org/xerial/snappy/native/Linux/x86_64/libsnappyjava.so", true},
		{"net/jpountz/util/linux/amd64/liblz4-java.so", true},
		{"org/xerial/snappy/native/Linux/aarch64/libsnappyjava.so", false},
		{"linux/amd64/musl/libzstd-jni.so", false},
		{"darwin/x86_64/libzstd-jni.dylib", false},
	} {
		require.Equal(t, tc.want, isLinuxAmd64Native(tc.name), tc.name)
	}
}

func TestRequireStatic(t *testing.T) {
	root, err := tools.RepoRoot()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "kafka-entrypoint")
	require.NoError(t, goBuild(t.Context(), root, "./images/kafka/entrypoint", out), "a CGO_ENABLED=0 build is static")
	require.NoError(t, requireStatic(out))
	require.ErrorContains(t, requireStatic("/bin/ls"), "dynamically linked")
	require.Error(t, requireStatic(filepath.Join(t.TempDir(), "missing")))
}

func TestBaseRootfs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rootfs")
	require.NoError(t, baseRootfs(dir))
	st, err := os.Stat(filepath.Join(dir, "tmp"))
	require.NoError(t, err)
	require.NotZero(t, st.Mode()&os.ModeSticky, "/tmp is sticky")
	require.Equal(t, os.FileMode(0o777), st.Mode().Perm())
	b, err := os.ReadFile(filepath.Join(dir, "etc", "passwd"))
	require.NoError(t, err)
	require.Contains(t, string(b), "nobody:x:65534:")
	require.Contains(t, string(b), "kafka:x:1000:")
}

func TestUnknownImageNameIsRefused(t *testing.T) {
	err := run(t.Context(), []string{"nosuch"})
	require.ErrorContains(t, err, `unknown image "nosuch"`)
}

func TestRedisVersion(t *testing.T) {
	v, ok := redisVersion("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n")
	require.True(t, ok)
	require.Equal(t, "7.0.15", v)
	_, ok = redisVersion("redis-server: unknown option\n")
	require.False(t, ok, "no v=<version>: an error, not an empty label")
}

func TestDashflowImagesNeedItsBuild(t *testing.T) {
	t.Setenv(tools.EnvBinDir, t.TempDir())
	_, err := stageDashflow(t.Context(), "dashflow-websocket-server", t.TempDir())
	require.ErrorContains(t, err, "make sut-dashflow DASHFLOW_SRC=", "a missing build says how to make it")
}
