package selftest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMutantOfOneStackRunsOnThatStackOnly(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "x.go"), []byte("package x\nconst a = 1\n"), 0o644))
	dir := filepath.Join(root, "mutants")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f.yml"), []byte(`- name: m
  promise: p
  file: x.go
  find: a = 1
  replace: a = 2
  tags: "@t"
  scenario: s
  step: st
  stack: containers
`), 0o644))
	ms, err := Load(root, dir)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Equal(t, "containers", ms[0].Stack)
	require.True(t, ms[0].OnStack("containers"))
	require.False(t, ms[0].OnStack("embedded"))
	require.True(t, Mutant{}.OnStack("embedded"), "a mutant naming no stack runs on every stack")
}
