package steps

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedReference are the reference packages steps may import: the wire contract's
// encoding (the harness forges and writes records with it) and the producer the harness
// writes its traffic with, whatever implementation is under test.
var allowedReference = map[string]string{
	"github.com/dashstream/acceptance/reference/wire":      "the wire contract's encoding, to forge records",
	"github.com/dashstream/acceptance/reference/wire/dspb": "the wire contract's messages",
	"github.com/dashstream/acceptance/reference/producer":  "the harness's traffic writer",
}

// startsThroughProfile are the files allowed to turn a spec into a running service: the
// SUT layer that builds specs from the profile, and the World that starts them.
var startsThroughProfile = map[string]bool{"sut.go": true, "world.go": true}

// TestStepsReachTheSUTOnlyThroughItsProfile fails when a step reaches an implementation
// around its SUT profile: a reference service package imported (its binaries, metric
// names, headers, client ids), a reference program named (stack.Exporter, ...), a
// service spec written by hand, or a service started or run outside the SUT layer.
func TestStepsReachTheSUTOnlyThroughItsProfile(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/dashstream/acceptance/reference") && allowedReference[path] == "" {
				t.Errorf("%s imports %s: reach the implementation through the SUT profile (w.sut), not the reference's packages",
					fset.Position(imp.Pos()), path)
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "stack" {
					switch n.Sel.Name {
					case "Exporter", "WSServer", "Produce", "Consume":
						t.Errorf("%s names the reference program stack.%s: start a role with w.start(launch{role: ...})",
							fset.Position(n.Pos()), n.Sel.Name)
					case "ServiceSpec":
						if !startsThroughProfile[f] {
							t.Errorf("%s writes a stack.ServiceSpec: specs come from the SUT profile (w.spec)", fset.Position(n.Pos()))
						}
					}
				}
				if (n.Sel.Name == "Start" || n.Sel.Name == "Run") && !startsThroughProfile[f] {
					if call, ok := n.X.(*ast.CallExpr); ok {
						if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Services" {
							t.Errorf("%s calls Services().%s: use w.start or w.run", fset.Position(n.Pos()), n.Sel.Name)
						}
					}
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("checked %d files: run the test from the steps folder", checked)
	}
}
