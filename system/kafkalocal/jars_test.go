package kafkalocal

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestResolveJarsConcurrentAndIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Maven (about 10 s with a warm ~/.m2); skipped with -short")
	}
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	got := make([]*Jars, 3)
	errs := make([]error, 3)
	logs := make([]bytes.Buffer, 3)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = ResolveJars(ctx, root, DefaultVersion, &logs[i])
		}()
	}
	wg.Wait()
	resolved := 0
	for i := range got {
		require.NoError(t, errs[i], logs[i].String())
		require.Equal(t, got[0].Classpath, got[i].Classpath)
		if strings.Contains(logs[i].String(), "resolving Apache Kafka") {
			resolved++
		}
	}
	require.Equal(t, 1, resolved, "exactly one caller runs Maven; the others wait for its lock")
	require.FileExists(t, filepath.Join(root, DefaultVersion, "kafka_2.13-"+DefaultVersion+".jar"))
	require.FileExists(t, filepath.Join(root, DefaultVersion, "log4j-slf4j-impl-2.26.1.jar"))

	var again bytes.Buffer
	j, err := ResolveJars(ctx, root, DefaultVersion, &again)
	require.NoError(t, err)
	require.Empty(t, again.String(), "a resolved version is not resolved again")
	require.Equal(t, got[0].Classpath, j.Classpath)
}

func TestResolveJarsUnknownVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Maven; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err := ResolveJars(ctx, t.TempDir(), "0.0.0-nonexistent", nil)
	require.ErrorContains(t, err, "is it on Maven Central")
}
