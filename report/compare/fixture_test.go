package compare

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

var update = flag.Bool("update", false, "rewrite the golden comparisons under testdata")

// readFixture reads one of package report's fixed result files
// (report/testdata, kept up to date by its TestFixturesAreUpToDate).
func readFixture(t *testing.T, name string) (*results.Run, *results.Summary) {
	t.Helper()
	return reporttest.ReadRun(t, filepath.Join("..", "testdata", name))
}

// checkGolden compares got with testdata/name, or writes it there with
// -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	reporttest.CheckGolden(t, filepath.Join("testdata", name), got, *update, "./report/compare")
}

func ptr[T any](v T) *T { return &v }
