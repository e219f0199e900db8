package capacity

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the planner off the renderers and the engine: of
// amrbench it reads results, the catalog, the price list and internal/units
// only.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/amrbench/amrbench/results":        true,
		"github.com/amrbench/amrbench/report/catalog": true,
		"github.com/amrbench/amrbench/report/prices":  true,
		"github.com/amrbench/amrbench/internal/units": true,
	}
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/amrbench/amrbench") && !allowed[imp] {
			t.Errorf("capacity imports %s", imp)
		}
	}
}
