package memtier

import (
	"fmt"
	"io"
	"strconv"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

// RunsTable puts the repetitions of one test (run --run-count) side by side,
// as memtier prints its best, worst and aggregated runs: a row per run with
// its throughput, response-time percentiles and failed operations, the best
// and the worst marked, and a last row for all the runs together, its rate
// the runs' average and its percentiles those of every operation of every
// run (their histograms added). names name the runs (their directories).
func RunsTable(runs []*results.Run, names []string, percentiles []float64) (*report.Table, error) {
	if len(percentiles) == 0 {
		percentiles = DefaultPercentiles
	}
	t := &report.Table{
		Title:   fmt.Sprintf("%d runs of the same test: successful operations per second, response time in ms", len(runs)),
		Columns: []report.Column{{Name: "run", Align: report.AlignLeft}, {Name: "ops/s", Key: "ops_per_sec"}},
	}
	for _, p := range percentiles {
		name := "p" + strconv.FormatFloat(p, 'f', -1, 64)
		t.Columns = append(t.Columns, report.Column{Name: name, Key: name + "_ms"})
	}
	t.Columns = append(t.Columns, report.Column{Name: "errors", Key: "errors"}, report.Column{Name: "", Key: "mark", Align: report.AlignLeft})
	all := results.NewCommandStats()
	rates := make([]float64, len(runs))
	rows := make([][]report.TableCell, len(runs))
	for i, run := range runs {
		totals, span, err := results.Totals(run.Intervals)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", names[i], err)
		}
		cs := totals[results.AllCommands]
		secs := span.Seconds()
		if run.Summary != nil && run.Summary.DurationS > 0 {
			secs = run.Summary.DurationS
		}
		rates[i] = ratePer(cs.Count, secs)
		if err := all.Add(cs); err != nil {
			return nil, fmt.Errorf("%s: %w", names[i], err)
		}
		rows[i] = runsRow(names[i], rates[i], cs, percentiles)
	}
	best, worst := BestAndWorstRuns(rates)
	for i, r := range rows {
		switch {
		case len(runs) > 1 && i == best:
			r = append(r, report.TextCell("best"))
		case len(runs) > 1 && i == worst:
			r = append(r, report.TextCell("worst"))
		}
		t.AddRow(r...)
	}
	var sum float64
	for _, r := range rates {
		sum += r
	}
	t.AddRow(append(runsRow("all", sum/float64(len(runs)), all, percentiles), report.TextCell("average"))...)
	return t, nil
}

func runsRow(name string, opsPerSec float64, cs *results.CommandStats, percentiles []float64) []report.TableCell {
	row := []report.TableCell{report.TextCell(name), report.NumberCell(units.FormatThroughput(opsPerSec), strconv.FormatFloat(opsPerSec, 'f', 1, 64))}
	for _, p := range percentiles {
		ms := msAt(cs.Response, p)
		row = append(row, report.NumberCell(units.FormatMillis(1000*ms), strconv.FormatFloat(ms, 'f', 3, 64)))
	}
	errs := cs.ErrorCount()
	return append(row, report.NumberCell(units.FormatWhole(float64(errs)), strconv.FormatInt(errs, 10)))
}

// WriteRuns writes RunsTable as aligned text.
func WriteRuns(w io.Writer, runs []*results.Run, names []string, percentiles []float64) error {
	t, err := RunsTable(runs, names, percentiles)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s.\n", t.Title); err != nil {
		return err
	}
	return t.WriteText(w)
}
