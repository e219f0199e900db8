package compare

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
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
	// markLowerBound precedes the throughput of a run the client limited.
	markLowerBound = "≥ "
	// notComparableText stands for the difference of a run that cannot be
	// compared.
	notComparableText = "not comparable"
)

// noiseLegend explains the marks of the noise test.
var noiseLegend = fmt.Sprintf("%s: within the runs' interval-to-interval noise, not significant (Welch's t-test on the per-interval values, %.0f%% confidence); %s: too few intervals to tell.",
	markNotSignificant, 100*CompareConfidence, markUntested)

// legend explains the marks the comparison's table uses.
func legend(c *Comparison) string {
	text := noiseLegend
	if slices.ContainsFunc(c.Runs, func(r ComparedRun) bool { return r.ClientBound }) {
		text += " " + strings.TrimSpace(markLowerBound) + ": the throughput of a client-bound run, a lower bound of the cache's."
	}
	return text
}

// WriteComparisonText writes a comparison as text: the runs, what differs
// between them, why a run is not comparable, the searches' highest rates,
// then the metrics as an aligned table.
func WriteComparisonText(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Comparison of %d runs, %s: differences are against %s, in percent of its value.\n", len(c.Runs), commandsTitle(c), c.Runs[0].Letter)
	for _, r := range c.Runs {
		fmt.Fprintf(&b, "  %s  %s: %s\n     %s\n", r.Letter, r.Name, r.Describe(), r.Source)
	}
	b.WriteString("\n")
	if len(c.Conditions) == 0 {
		b.WriteString(sameConditionsText + "\n")
	} else {
		b.WriteString("What differs between the runs:\n")
		width := 0
		for _, cond := range c.Conditions {
			width = max(width, len(cond.Name))
		}
		for _, cond := range c.Conditions {
			for i, v := range cond.Values {
				name := ""
				if i == 0 {
					name = cond.Name
				}
				fmt.Fprintf(&b, "  %-*s  %s  %s\n", width, name, c.Runs[i].Letter, v)
			}
		}
	}
	for _, line := range comparedWarningLines(c) {
		b.WriteString(line + "\n")
	}
	for _, line := range notComparableLines(c) {
		b.WriteString(line + "\n")
	}
	if c.SLO != nil {
		b.WriteString("\n" + sloTitle(c.SLO) + "\n")
		for i, e := range c.SLO.Entries {
			fmt.Fprintf(&b, "  %s  %s%s\n", c.Runs[i].Letter, e.Text, sloDiffText(c, i))
		}
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if c.SearchesOnly {
		_, err := io.WriteString(w, searchesOnlyText+"\n"+notesText(c.Notes, "Note: "))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range comparisonTextRows(c) {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n"+latencyNote(c)+legend(c)+"\n"+notesText(c.Notes, "Note: ")+"\n")
	return err
}

// Sentences the renderings share.
const (
	sameConditionsText = "The runs' conditions are the same: endpoint, policy, SKU, TLS, connections, pipeline, load, workload, segment, client machine, and no errors or warnings."
	searchesOnlyText   = "Every run searched for the highest rate meeting its objectives: they are compared by that rate above. Their whole-run averages mix the rates of every step, so they are not compared; amrbench report shows each run's steps."
)

// conditionLines says what differs between the runs, a line per
// condition, for pages that wrap their lines (HTML).
func conditionLines(c *Comparison) []string {
	if len(c.Conditions) == 0 {
		return []string{sameConditionsText}
	}
	lines := []string{"What differs between the runs:"}
	for _, cond := range c.Conditions {
		var parts []string
		for i, v := range cond.Values {
			parts = append(parts, c.Runs[i].Letter+" "+v)
		}
		lines = append(lines, cond.Name+": "+strings.Join(parts, "; "))
	}
	return lines
}

// commandsTitle says which commands the comparison shows.
func commandsTitle(c *Comparison) string {
	if c.SearchesOnly {
		return "by the highest rate each met its objectives at"
	}
	if len(c.Commands) == 1 {
		return commandTitle(c.Commands[0])
	}
	return "per command (" + strings.Join(c.Commands, ", ") + ")"
}

func sloTitle(s *SLOComparison) string {
	title := "Highest rate meeting the objectives: " + s.Headline + "."
	if !s.SameObjectives {
		title += " The runs searched for different objectives, so their rates do not compare."
	}
	return title
}

// sloDiffText is run i's highest rate against the baseline's.
func sloDiffText(c *Comparison, i int) string {
	e := c.SLO.Entries[i]
	switch {
	case i == 0:
		return ""
	case !c.Runs[0].Comparable() || !c.Runs[i].Comparable():
		return "; " + notComparableText
	case e.DiffKnown:
		return fmt.Sprintf("; %+.1f%% vs %s", e.DiffPct, c.Runs[0].Letter)
	}
	return ""
}

// latencyNote says, when it applies, why one latency block is shown.
func latencyNote(c *Comparison) string {
	if c.OneLatency {
		return "Every run is a closed loop, where each request is sent when the previous reply arrives: its response time is its service time, shown once.\n"
	}
	return ""
}

// numbers are what differs between two printings of one warning.
var numbers = regexp.MustCompile(`[0-9][0-9.,]*[kM]?`)

// comparedWarningLines lists every run's warnings, alike ones once: those of one
// code, or without a code those that differ only in their numbers, with how
// many times they were printed.
func comparedWarningLines(c *Comparison) []string {
	var lines []string
	for _, r := range c.Runs {
		type group struct {
			first string
			n     int
		}
		var order []string
		groups := map[string]*group{}
		for _, w := range r.Warnings {
			text := strings.Join(strings.Fields(w.Detail), " ")
			key := w.Code
			if key == "" {
				key = numbers.ReplaceAllString(text, "#")
			}
			if w.Code != "" {
				text = w.Code + ": " + text
			}
			g, ok := groups[key]
			if !ok {
				g = &group{first: text}
				groups[key] = g
				order = append(order, key)
			}
			g.n++
		}
		for _, key := range order {
			g := groups[key]
			line := fmt.Sprintf("  %s  %s", r.Letter, g.first)
			if g.n > 1 {
				line += fmt.Sprintf(" (and %s more like it)", units.FormatWhole(float64(g.n-1)))
			}
			lines = append(lines, line)
		}
	}
	if len(lines) > 0 {
		lines = append([]string{"Warnings printed during the runs:"}, lines...)
	}
	return lines
}

// itemText turns a listed line of a run ("  B  text") into "B: text", for
// renderings that do not align columns.
func itemText(line string) string {
	letter, text, ok := strings.Cut(strings.TrimSpace(line), "  ")
	if !ok {
		return line
	}
	return letter + ": " + text
}

// notComparableLines says which runs cannot be compared, and why.
func notComparableLines(c *Comparison) []string {
	var lines []string
	for _, r := range c.Runs {
		for _, reason := range r.NotComparable {
			lines = append(lines, fmt.Sprintf("  %s  %s", r.Letter, reason))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	head := "Not comparable: no difference from " + c.Runs[0].Letter + " is given for these runs."
	if !c.Runs[0].Comparable() {
		head = fmt.Sprintf("Not comparable: %s, the baseline, is not, so no difference is given; put a comparable run first.", c.Runs[0].Letter)
	}
	return append([]string{head}, lines...)
}

// comparisonTextRows returns the table as text cells: the header, then per
// command a heading row (when there are several) and its metrics, labels
// padded so that they line up on the left.
func comparisonTextRows(c *Comparison) [][]string {
	width := 0
	for _, row := range c.Rows {
		width = max(width, len([]rune(rowLabel(row)))+2)
	}
	pad := func(s string) string { return s + strings.Repeat(" ", max(0, width-len([]rune(s)))) }
	rows := [][]string{append([]string{pad("METRIC")}, comparisonColumns(c)[1:]...)}
	blank := make([]string, len(rows[0])-1)
	for i, row := range c.Rows {
		if len(c.Commands) > 1 && (i == 0 || c.Rows[i-1].Command != row.Command) {
			rows = append(rows, append([]string{pad(row.Command)}, blank...))
		}
		cells := comparisonCells(c, row)
		if len(c.Commands) > 1 {
			cells[0] = "  " + cells[0]
		}
		cells[0] = pad(cells[0])
		rows = append(rows, cells)
	}
	return rows
}

// WriteComparisonMarkdown writes a comparison as Markdown: the runs, what
// differs between them, the searches' highest rates, then the metrics.
func WriteComparisonMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "**Comparison of %d runs**, %s: differences are against %s, in percent of its value.\n\n", len(c.Runs), commandsTitle(c), c.Runs[0].Letter)
	b.WriteString("| | Run | Target and load | Source |\n|---|---|---|---|\n")
	for _, r := range c.Runs {
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` |\n", r.Letter, mdEscape(r.Name), mdEscape(r.Describe()), strings.ReplaceAll(r.Source, "`", "'"))
	}
	b.WriteString("\n")
	if len(c.Conditions) == 0 {
		b.WriteString(sameConditionsText + "\n\n")
	} else {
		b.WriteString("**What differs between the runs**\n\n| Condition |")
		for _, r := range c.Runs {
			b.WriteString(" " + r.Letter + " |")
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(c.Runs)) + "\n")
		for _, cond := range c.Conditions {
			b.WriteString("| " + cond.Name + " |")
			for _, v := range cond.Values {
				b.WriteString(" " + mdEscape(v) + " |")
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	for _, lines := range [][]string{comparedWarningLines(c), notComparableLines(c)} {
		for i, line := range lines {
			if i == 0 {
				b.WriteString("**" + mdEscape(line) + "**\n\n")
				continue
			}
			b.WriteString("- " + mdEscape(itemText(line)) + "\n")
		}
		if len(lines) > 0 {
			b.WriteString("\n")
		}
	}
	if c.SLO != nil {
		b.WriteString("**" + mdEscape(sloTitle(c.SLO)) + "**\n\n")
		for i, e := range c.SLO.Entries {
			fmt.Fprintf(&b, "- %s: %s%s\n", c.Runs[i].Letter, mdEscape(e.Text), mdEscape(sloDiffText(c, i)))
		}
		b.WriteString("\n")
	}
	if c.SearchesOnly {
		b.WriteString(searchesOnlyText + "\n")
		b.WriteString(notesText(c.Notes, "- "))
		_, err := io.WriteString(w, b.String())
		return err
	}
	cols := comparisonColumns(c)
	b.WriteString("| " + strings.Join(cols, " | ") + " |\n|---")
	b.WriteString(strings.Repeat("|---:", len(cols)-1) + "|\n")
	for i, row := range c.Rows {
		if len(c.Commands) > 1 && (i == 0 || c.Rows[i-1].Command != row.Command) {
			b.WriteString("| **" + row.Command + "** |" + strings.Repeat(" |", len(cols)-1) + "\n")
		}
		cells := comparisonCells(c, row)
		for i := range cells {
			cells[i] = mdEscape(cells[i])
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n" + latencyNote(c) + strings.ReplaceAll(legend(c), "~", `\~`) + "\n")
	b.WriteString(notesText(c.Notes, "- "))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteComparisonCSV writes a comparison as CSV, one line per metric,
// command and run, with raw values (latencies in µs) for scripts. The
// searches' highest rates, when runs searched, are the metric
// max_rate_meeting_slo (0 where no rate met the objectives, empty where the
// run did not search).
func WriteComparisonCSV(w io.Writer, c *Comparison) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"metric", "label", "unit", "run", "name", "source", "value", "diff_pct", "significant", "interval_mean", "interval_stderr", "intervals", "command", "comparable"}); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	// known writes x, or nothing where it is not known.
	known := func(ok bool, x float64) string {
		if !ok {
			return ""
		}
		return f(x)
	}
	if c.SLO != nil {
		for i, e := range c.SLO.Entries {
			r := c.Runs[i]
			if err := cw.Write([]string{"max_rate_meeting_slo", "highest rate meeting " + strings.Join(e.Objectives, ", "), "ops/s", r.Letter, r.Name, r.Source,
				known(e.Searched, e.MaxRate), known(e.DiffKnown, e.DiffPct), "", "", "", "", results.AllCommands, strconv.FormatBool(r.Comparable())}); err != nil {
				return err
			}
		}
	}
	for _, row := range c.Rows {
		for i, cell := range row.Cells {
			r := c.Runs[i]
			value, diff := known(cell.Known, cell.Value), known(cell.DiffKnown, cell.DiffPct)
			rec := []string{row.Key, row.Label, row.Unit, r.Letter, r.Name, r.Source, value, diff, cell.Verdict.String(),
				f(cell.Mean), f(cell.StdErr), strconv.Itoa(cell.N), row.Command, strconv.FormatBool(r.Comparable())}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func commandTitle(command string) string {
	if command == "" || command == results.AllCommands {
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

func rowLabel(row ComparisonRow) string {
	if row.Unit == "us" {
		return row.Label + " (ms)"
	}
	return row.Label
}

// comparisonCells renders a row to match comparisonColumns.
func comparisonCells(c *Comparison, row ComparisonRow) []string {
	cells := []string{rowLabel(row)}
	for i, cell := range row.Cells {
		value := formatValue(row.Unit, cell)
		if cell.Known && c.Runs[i].ClientBound && strings.HasPrefix(row.Key, "ops_per_sec") {
			value = markLowerBound + value
		}
		cells = append(cells, value)
		if i == 0 {
			continue
		}
		cells = append(cells, diffText(cell))
	}
	return cells
}

// diffText renders a cell's difference from the baseline with its mark.
func diffText(cell Cell) string {
	if cell.Verdict == NotComparable {
		return notComparableText
	}
	diff := "n/a"
	if cell.DiffKnown {
		diff = fmt.Sprintf("%+.1f%%", cell.DiffPct)
	}
	switch cell.Verdict {
	case NotSignificant:
		diff += " " + markNotSignificant
	case Untested:
		if cell.DiffKnown {
			diff += " " + markUntested
		}
	}
	return diff
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
