package report_test

import (
	"fmt"
	"io"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/report/compare"
	"github.com/amrbench/amrbench/results"
)

// The pages of a comparison are drawn with this package's charts and
// page, so its tests of pages (self-contained, shared time axis,
// logarithmic latency, the browser) open a comparison's page too.
func init() {
	report.SetComparisonRenderer(func(w io.Writer, runs []results.NamedRun, format string) error {
		c, err := compare.Compare(runs, compare.Options{})
		if err != nil {
			return err
		}
		write, ok := compare.ComparisonWriters[format]
		if !ok {
			return fmt.Errorf("no comparison format %q", format)
		}
		return write(w, c)
	})
}
