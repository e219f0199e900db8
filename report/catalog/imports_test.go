package catalog

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlyUnits keeps the catalog below everything that uses it: of
// amrbench it may import internal/units only.
func TestImportsOnlyUnits(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/amrbench/amrbench") && imp != "github.com/amrbench/amrbench/internal/units" {
			t.Errorf("catalog imports %s", imp)
		}
	}
}
