package report

import (
	"io"

	"github.com/amrbench/amrbench/results"
)

// renderComparison renders a comparison of runs in one of `amrbench
// compare`'s formats ("text", "html", ...). The comparison lives in
// report/compare, which imports this package, so these tests reach it
// through this hook; comparepages_test.go (package report_test) sets it
// before any test runs.
var renderComparison func(w io.Writer, runs []results.NamedRun, format string) error

// SetComparisonRenderer sets renderComparison; it exists in the test
// binary alone.
func SetComparisonRenderer(render func(w io.Writer, runs []results.NamedRun, format string) error) {
	renderComparison = render
}
