package prices

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the price list below the planner: of amrbench it reads
// the catalog only.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/amrbench/amrbench") && imp != "github.com/amrbench/amrbench/report/catalog" {
			t.Errorf("prices imports %s", imp)
		}
	}
}
