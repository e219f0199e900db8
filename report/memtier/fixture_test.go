package memtier

import (
	"path/filepath"
	"testing"

	"github.com/amrbench/amrbench/results"
)

// readFixture reads one of package report's fixed result files
// (report/testdata, kept up to date by its TestFixturesAreUpToDate).
func readFixture(t *testing.T, name string) (*results.Run, *results.Summary) {
	t.Helper()
	run, err := results.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	return run, sum
}
