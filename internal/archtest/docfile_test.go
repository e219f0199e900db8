package archtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPackageHasADocFile asserts that each package but a command keeps
// its package comment in doc.go, the first file a reader opens to learn what
// the package owns (a command's comment is in its main.go).
func TestEveryPackageHasADocFile(t *testing.T) {
	for rel, p := range listPackages(t) {
		if p.Name == "main" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(p.Dir, "doc.go"))
		if err != nil {
			t.Errorf("%s: no doc.go saying what the package owns", rel)
			continue
		}
		if !strings.Contains(string(src), "// Package "+p.Name+" ") {
			t.Errorf("%s: doc.go has no comment \"// Package %s ...\"", rel, p.Name)
		}
	}
}
