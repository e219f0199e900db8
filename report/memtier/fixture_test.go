package memtier

import (
	"path/filepath"
	"testing"

	"github.com/amrbench/amrbench/internal/reporttest"
	"github.com/amrbench/amrbench/results"
)

// readFixture reads one of package report's fixed result files
// (report/testdata, kept up to date by its TestFixturesAreUpToDate).
func readFixture(t *testing.T, name string) (*results.Run, *results.Summary) {
	t.Helper()
	return reporttest.ReadRun(t, filepath.Join("..", "testdata", name))
}
