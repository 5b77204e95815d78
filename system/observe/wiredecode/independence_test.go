package wiredecode_test

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportsNothingOfTheReference keeps the decoder independent: none of its non-test
// files may import the pipeline under test, or a defect there could hide itself.
func TestImportsNothingOfTheReference(t *testing.T) {
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	checked := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			require.False(t, strings.HasPrefix(path, "github.com/dashstream/acceptance/"),
				"%s imports %s: the decoder must be built from the wire contract alone", name, path)
		}
		checked++
	}
	require.GreaterOrEqual(t, checked, 4, "the package's files were not found")
}
