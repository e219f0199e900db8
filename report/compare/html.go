package compare

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

// ComparisonTable returns a comparison's metrics as a report.Table: a row per
// command and metric, a column per run and, after each run but the first,
// its difference from the first, marked when it is within the runs' noise.
// Latencies are in milliseconds for people and microseconds for scripts.
func ComparisonTable(c *Comparison) *report.Table {
	t := &report.Table{Title: fmt.Sprintf("%s: differences are against %s, in percent of its value.", upperFirst(commandsTitle(c)), c.Runs[0].Letter)}
	t.Columns = append(t.Columns, report.Column{Name: "COMMAND", Key: "command", Align: report.AlignLeft})
	for i, name := range comparisonColumns(c) {
		col := report.Column{Name: name, Key: name}
		if i == 0 {
			col.Align, col.Key = report.AlignLeft, "metric"
		}
		t.Columns = append(t.Columns, col)
	}
	for _, row := range c.Rows {
		texts := comparisonCells(c, row)
		cells := []report.TableCell{report.TextCell(row.Command), report.NumberCell(texts[0], row.Key)}
		k := 1
		for i, cell := range row.Cells {
			value := ""
			if cell.Known {
				value = strconv.FormatFloat(cell.Value, 'f', -1, 64)
			}
			cells = append(cells, report.NumberCell(texts[k], value))
			k++
			if i > 0 {
				diff := ""
				if cell.DiffKnown {
					diff = strconv.FormatFloat(cell.DiffPct, 'f', -1, 64)
				}
				cells = append(cells, report.NumberCell(texts[k], diff))
				k++
			}
		}
		t.AddRow(cells...)
	}
	return t
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// WriteComparisonHTML writes a comparison as one self-contained HTML page:
// what each run measured, the comparison's table with the noise test, the
// runs' percentile spectra on one chart, and their throughput and p99 over
// time.
func WriteComparisonHTML(w io.Writer, c *Comparison) error {
	if len(c.Runs) == 0 || len(c.runs) != len(c.Runs) {
		return errors.New("compare: the comparison holds no runs to draw")
	}
	var names []string
	for _, r := range c.Runs {
		names = append(names, r.Letter+" "+r.Name)
	}
	page := &report.Page{
		Title:    "amrbench compare: " + strings.Join(names, " vs "),
		Heading:  strings.Join(names, " vs "),
		Subtitle: fmt.Sprintf("%d runs compared, %s", len(c.Runs), commandsTitle(c)),
		Footer: fmt.Sprintf("Rendered by %s from %d result files of schema %s. Every number and chart on this page is computed from the files' intervals.",
			report.Generator(c.Runs[0].Header), len(c.Runs), results.Schema),
	}
	for _, r := range c.Runs {
		page.Facts = append(page.Facts, report.PageFact{Name: r.Letter + " " + r.Name, Lines: []string{r.Describe(), r.Header.WorkloadText, r.Source, report.DescribeRun(r.Header)}})
	}
	page.Notes = append(page.Notes, conditionLines(c)...)
	for _, lines := range [][]string{comparedWarningLines(c), notComparableLines(c)} {
		for _, line := range lines {
			page.Notes = append(page.Notes, itemText(line))
		}
	}
	if c.SLO != nil {
		page.Notes = append(page.Notes, sloTitle(c.SLO))
		for i, e := range c.SLO.Entries {
			page.Notes = append(page.Notes, c.Runs[i].Letter+": "+e.Text+sloDiffText(c, i))
		}
	}
	if c.SearchesOnly {
		page.Notes = append(page.Notes, searchesOnlyText)
	} else {
		page.Tables = append(page.Tables, ComparisonTable(c))
		if note := strings.TrimSpace(latencyNote(c)); note != "" {
			page.Notes = append(page.Notes, note)
		}
		page.Notes = append(page.Notes, legend(c))
	}
	page.Notes = append(page.Notes, c.Notes...)

	var runs []report.OverlayRun
	for i, r := range c.Runs {
		runs = append(runs, report.OverlayRun{Letter: r.Letter, Name: r.Name, Source: r.Source, Header: r.Header, Run: c.runs[i].Run})
	}
	charts, err := report.OverlayCharts(runs, c.Command)
	if err != nil {
		return err
	}
	page.Charts = charts
	return report.WritePage(w, page)
}
