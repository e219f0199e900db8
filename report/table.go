package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Align is how the cells of a column line up.
type Align int

// Alignments.
const (
	AlignRight Align = iota // numbers
	AlignLeft               // names
)

// Column is one column of a Table.
type Column struct {
	// Name heads the column for people: text, Markdown and HTML.
	Name string
	// Key heads the column in CSV, for scripts (e.g. "p99_us"); Name when
	// empty.
	Key   string
	Align Align
}

// TableCell is one cell of a Table: Text for people, Value for scripts (CSV).
type TableCell struct {
	// Text is what text, Markdown and HTML show, e.g. "104,212" or "1.015".
	Text string
	// Value is what CSV holds, e.g. "104211.5" or "1015"; Text when empty.
	Value string
}

// TextCell returns a cell that reads the same for people and scripts.
func TextCell(s string) TableCell { return TableCell{Text: s} }

// NumberCell returns a cell shown as text and written to CSV as value.
func NumberCell(text, value string) TableCell { return TableCell{Text: text, Value: value} }

func (c TableCell) csvValue() string {
	if c.Value != "" {
		return c.Value
	}
	return c.Text
}

// Table is rows of cells under named columns. It is the one model behind
// every tabular output: the summary and the comparison of runs are built as
// Tables and written as aligned text, Markdown, CSV or HTML from it, so every
// format shows the same numbers.
type Table struct {
	// Title says what the table holds; text and Markdown print it above the
	// table, HTML as its caption. CSV leaves it out.
	Title   string
	Columns []Column
	Rows    [][]TableCell
}

// AddRow appends a row. Missing cells are empty; extra cells are an error
// at write time.
func (t *Table) AddRow(cells ...TableCell) { t.Rows = append(t.Rows, cells) }

func (t *Table) check() error {
	for i, r := range t.Rows {
		if len(r) > len(t.Columns) {
			return fmt.Errorf("table %q: row %d has %d cells for %d columns", t.Title, i, len(r), len(t.Columns))
		}
	}
	return nil
}

// cell returns row r's cell in column c, empty if the row is short.
func (t *Table) cell(r, c int) TableCell {
	if c < len(t.Rows[r]) {
		return t.Rows[r][c]
	}
	return TableCell{}
}

// WriteText writes the table as right-aligned columns two spaces apart,
// headed by the column names; the title is not written.
func (t *Table) WriteText(w io.Writer) error {
	if err := t.check(); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var b strings.Builder
	for _, c := range t.Columns {
		b.WriteString(c.Name + "\t")
	}
	fmt.Fprintln(tw, b.String())
	for r := range t.Rows {
		b.Reset()
		for c := range t.Columns {
			b.WriteString(t.cell(r, c).Text + "\t")
		}
		fmt.Fprintln(tw, b.String())
	}
	return tw.Flush()
}

// WriteMarkdown writes the table as a GitHub-flavoured Markdown table,
// preceded by its title as a paragraph when it has one.
func (t *Table) WriteMarkdown(w io.Writer) error {
	if err := t.check(); err != nil {
		return err
	}
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(markdownEscape(t.Title) + "\n\n")
	}
	row := func(cells func(i int) string) {
		b.WriteString("|")
		for i := range t.Columns {
			b.WriteString(" " + markdownCell(cells(i)) + " |")
		}
		b.WriteString("\n")
	}
	row(func(i int) string { return t.Columns[i].Name })
	b.WriteString("|")
	for _, c := range t.Columns {
		if c.Align == AlignLeft {
			b.WriteString(" :--- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	for r := range t.Rows {
		row(func(i int) string { return t.cell(r, i).Text })
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownCell escapes what would end a cell or a row.
func markdownCell(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

// markdownEscape escapes the characters that would turn text into markup.
func markdownEscape(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "`", "\\`", "|", "\\|", "<", "\\<")
	return r.Replace(s)
}

// WriteCSV writes the table as CSV (RFC 4180): a header row of column keys,
// then a row per row of machine values.
func (t *Table) WriteCSV(w io.Writer) error {
	if err := t.check(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Key
		if header[i] == "" {
			header[i] = c.Name
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for r := range t.Rows {
		rec := make([]string, len(t.Columns))
		for c := range t.Columns {
			rec[c] = t.cell(r, c).csvValue()
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
