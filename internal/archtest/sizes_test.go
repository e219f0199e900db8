package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The size limits of the code (issue 19): a package, a file and a function
// that grow past them own more than one thing, or read badly.
const (
	maxPackageLines  = 3500
	maxFileLines     = 620 // "about 600"
	maxFunctionLines = 120
	// longReason is what a longer function's doc comment says, with why:
	// some sequences read best whole.
	longReason = "long on purpose"
)

// TestSizeLimits asserts the limits on every package's non-test Go files,
// those of every platform.
func TestSizeLimits(t *testing.T) {
	for rel, p := range listPackages(t) {
		files, err := filepath.Glob(filepath.Join(p.Dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			lines, long := measureFile(t, file)
			total += lines
			name := filepath.Join(rel, filepath.Base(file))
			if lines > maxFileLines {
				t.Errorf("%s: %d lines, over %d: split it by what its parts own", name, lines, maxFileLines)
			}
			for _, f := range long {
				t.Errorf("%s: %s is %d lines, over %d, and its doc comment does not say why (%q)", name, f.name, f.lines, maxFunctionLines, longReason)
			}
		}
		if total > maxPackageLines {
			t.Errorf("%s: %d lines in non-test files, over %d: carve out what it owns besides its one thing", rel, total, maxPackageLines)
		}
	}
}

// longFunction is a function over the limit.
type longFunction struct {
	name  string
	lines int
}

// measureFile returns a file's lines and its functions over the limit
// without a reason.
func measureFile(t *testing.T, path string) (int, []longFunction) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var long []longFunction
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
		if n > maxFunctionLines && !strings.Contains(fd.Doc.Text(), longReason) {
			long = append(long, longFunction{fd.Name.Name, n})
		}
	}
	return strings.Count(string(src), "\n"), long
}
