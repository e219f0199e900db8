package report

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/amrbench/amrbench/results"
)

// FuzzRender feeds result files through what `amrbench report` and
// `compare` do with them: read, summarise, render in every format. Whatever
// Read accepts and Summarize summarises renders without a panic.
func FuzzRender(f *testing.F) {
	for _, name := range []string{"testdata/cluster.jsonl", "testdata/enterprise.jsonl"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		// The header, two intervals, an event and the summary: small
		// enough for the fuzzer to change in many places.
		short := bytes.Join([][]byte{lines[0], lines[1], lines[2], lines[len(lines)-3], lines[len(lines)-2]}, nil)
		f.Add(short)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := results.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		sum, err := run.Summarize()
		if err != nil {
			return
		}
		percentiles := []float64{50, 99.9}
		for _, render := range map[string]func(io.Writer) error{
			"text": func(w io.Writer) error { return WriteSummary(w, run, sum, percentiles) },
			"md":   func(w io.Writer) error { return WriteSummaryMarkdown(w, run, sum, percentiles) },
			"csv":  func(w io.Writer) error { return WriteSummaryCSV(w, run, sum, percentiles) },
			"html": func(w io.Writer) error { return WriteHTML(w, run, sum, HTMLOptions{}) },
			"hlog": func(w io.Writer) error { return WriteIntervalLog(w, run, results.LatencyService) },
			"hgrm": func(w io.Writer) error {
				totals, _, err := results.Totals(run.Intervals)
				if err != nil {
					return err
				}
				return WritePercentiles(w, totals[results.AllCommands].Response)
			},
			"compare": func(w io.Writer) error {
				runs := []results.NamedRun{{Name: "a", Run: run}, {Name: "b", Run: run}}
				if err := renderComparison(w, runs, "text"); err != nil {
					return err
				}
				return renderComparison(w, runs, "html")
			},
		} {
			_ = render(io.Discard) // an error is an answer; a panic is the bug
		}
	})
}
