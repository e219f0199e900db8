package units

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsNothingOfTheProject keeps units a leaf: every package may use
// it, so it may use none of them.
func TestImportsNothingOfTheProject(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/amrbench/amrbench") {
			t.Errorf("units imports %s", imp)
		}
	}
}
