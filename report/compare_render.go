package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/amrbench/amrbench/internal/units"
)

// ComparisonWriters maps the names of --format to the renderings of a
// comparison.
var ComparisonWriters = map[string]func(io.Writer, *Comparison) error{
	"text": WriteComparisonText,
	"md":   WriteComparisonMarkdown,
	"csv":  WriteComparisonCSV,
	"html": WriteComparisonHTML,
}

// Marks of the noise test in text and Markdown.
const (
	markNotSignificant = "~"
	markUntested       = "?"
)

// noiseLegend explains the marks.
var noiseLegend = fmt.Sprintf("%s: within the runs' interval-to-interval noise, not significant (Welch's t-test on the per-interval values, %.0f%% confidence); %s: too few intervals to tell.",
	markNotSignificant, 100*CompareConfidence, markUntested)

// WriteComparisonText writes a comparison as an aligned text table.
func WriteComparisonText(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Comparison of %d runs, %s: differences are against %s, in percent of its value.\n", len(c.Runs), commandTitle(c.Command), c.Runs[0].Letter)
	for _, r := range c.Runs {
		fmt.Fprintf(&b, "  %s  %s: %s\n     %s\n", r.Letter, r.Name, r.Describe(), r.Source)
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(comparisonColumns(c), "\t")+"\t")
	for _, row := range c.Rows {
		fmt.Fprintln(tw, strings.Join(comparisonCells(row, " "), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n"+noiseLegend+"\n"+notesText(c.Notes, "Note: ")+"\n")
	return err
}

// WriteComparisonMarkdown writes a comparison as Markdown: a table of the
// runs, then a table of the metrics.
func WriteComparisonMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "**Comparison of %d runs**, %s: differences are against %s, in percent of its value.\n\n", len(c.Runs), commandTitle(c.Command), c.Runs[0].Letter)
	b.WriteString("| | Run | Target and load | Source |\n|---|---|---|---|\n")
	for _, r := range c.Runs {
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` |\n", r.Letter, mdEscape(r.Name), mdEscape(r.Describe()), strings.ReplaceAll(r.Source, "`", "'"))
	}
	b.WriteString("\n")
	cols := comparisonColumns(c)
	b.WriteString("| " + strings.Join(cols, " | ") + " |\n|---")
	b.WriteString(strings.Repeat("|---:", len(cols)-1) + "|\n")
	for _, row := range c.Rows {
		cells := comparisonCells(row, " ")
		for i := range cells {
			cells[i] = mdEscape(cells[i])
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n" + strings.ReplaceAll(noiseLegend, "~", `\~`) + "\n")
	b.WriteString(notesText(c.Notes, "- "))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteComparisonCSV writes a comparison as CSV, one line per metric and
// run, with raw values (latencies in µs) for scripts.
func WriteComparisonCSV(w io.Writer, c *Comparison) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"metric", "label", "unit", "run", "name", "source", "value", "diff_pct", "significant", "interval_mean", "interval_stderr", "intervals"}); err != nil {
		return err
	}
	for _, row := range c.Rows {
		for i, cell := range row.Cells {
			r := c.Runs[i]
			value, diff := "", ""
			if cell.Known {
				value = strconv.FormatFloat(cell.Value, 'f', -1, 64)
			}
			if cell.DiffKnown {
				diff = strconv.FormatFloat(cell.DiffPct, 'f', -1, 64)
			}
			rec := []string{row.Key, row.Label, row.Unit, r.Letter, r.Name, r.Source, value, diff, cell.Verdict.String(),
				strconv.FormatFloat(cell.Mean, 'f', -1, 64), strconv.FormatFloat(cell.StdErr, 'f', -1, 64), strconv.Itoa(cell.N)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func commandTitle(command string) string {
	if command == "" || command == "ALL" {
		return "all commands"
	}
	return command + " only"
}

// comparisonColumns are METRIC, the runs, and "X vs A" after each run but
// the first.
func comparisonColumns(c *Comparison) []string {
	cols := []string{"METRIC"}
	for i, r := range c.Runs {
		cols = append(cols, r.Letter)
		if i > 0 {
			cols = append(cols, r.Letter+" vs "+c.Runs[0].Letter)
		}
	}
	return cols
}

// comparisonCells renders a row to match comparisonColumns.
func comparisonCells(row ComparisonRow, markSep string) []string {
	label := row.Label
	if row.Unit == "us" {
		label += " (ms)"
	}
	cells := []string{label}
	for i, cell := range row.Cells {
		cells = append(cells, formatValue(row.Unit, cell))
		if i == 0 {
			continue
		}
		diff := "n/a"
		if cell.DiffKnown {
			diff = fmt.Sprintf("%+.1f%%", cell.DiffPct)
		}
		switch cell.Verdict {
		case NotSignificant:
			diff += markSep + markNotSignificant
		case Untested:
			if cell.DiffKnown {
				diff += markSep + markUntested
			}
		}
		cells = append(cells, diff)
	}
	return cells
}

// formatValue renders a value in its unit for people: latencies in
// milliseconds, rates with thousands separators.
func formatValue(unit string, cell Cell) string {
	if !cell.Known {
		return "n/a"
	}
	switch unit {
	case "us":
		return units.FormatMillis(cell.Value)
	case "%":
		return strconv.FormatFloat(cell.Value, 'f', 3, 64) + "%"
	case "MiB":
		return strconv.FormatFloat(cell.Value, 'f', 1, 64) + " MiB"
	case "errors/s":
		// Three significant digits below 100, never in exponent form: a
		// rare error is not 0.0, and not 9.26e-05 either.
		if cell.Value <= 0 {
			return "0"
		}
		if cell.Value < 100 {
			decimals := max(0, 2-int(math.Floor(math.Log10(cell.Value))))
			v := strconv.FormatFloat(cell.Value, 'f', decimals, 64)
			if strings.Contains(v, ".") {
				v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
			}
			return v
		}
		return units.FormatThroughput(cell.Value)
	default:
		return units.FormatThroughput(cell.Value)
	}
}

func notesText(notes []string, prefix string) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString(prefix + n + "\n")
	}
	return b.String()
}

// mdEscape keeps text from breaking a Markdown table cell.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
