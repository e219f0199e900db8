package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/catalog"
)

// Catalog output formats.
const (
	FormatText     = "text"
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatJSON     = "json"
)

// tierColumn is one figure column of the tier table.
type tierColumn struct {
	title string
	pick  func(*catalog.SKU) catalog.Figure
	count bool // thousands separators, no decimals
}

func tierColumns(skus []*catalog.SKU) []tierColumn {
	cols := []tierColumn{
		{"MEMORY GB", func(s *catalog.SKU) catalog.Figure { return s.MemoryGB }, false},
		{"USABLE GB", func(s *catalog.SKU) catalog.Figure { return s.UsableGB }, false},
	}
	for _, s := range skus {
		if s.RAMGB.Known() {
			cols = append(cols, tierColumn{"RAM GB", func(s *catalog.SKU) catalog.Figure { return s.RAMGB }, false})
			break
		}
	}
	return append(cols,
		tierColumn{"VCPUS", func(s *catalog.SKU) catalog.Figure { return s.VCPUs }, true},
		tierColumn{"SHARDS", func(s *catalog.SKU) catalog.Figure { return s.PrimaryShards }, true},
		tierColumn{"MAX CONNS", func(s *catalog.SKU) catalog.Figure { return s.MaxConnections }, true},
		tierColumn{"GET/S (MICROSOFT)", func(s *catalog.SKU) catalog.Figure { return s.GetRPS }, true},
	)
}

// figureCell formats a figure for the text and Markdown tables: derived
// figures end in "~", unknown ones are "-".
func figureCell(f catalog.Figure, count bool) string {
	if !f.Known() {
		return "-"
	}
	s := strconv.FormatFloat(f.Value, 'f', -1, 64)
	if count {
		s = units.FormatWhole(f.Value)
	}
	if f.Kind() == catalog.Derived {
		s += "~"
	}
	return s
}

// WriteTiers writes skus in one of the formats text, md, csv and json, with
// the source of every figure: text and Markdown mark derived figures and
// list the sources they cite; CSV and JSON give each figure's kind and
// source key (JSON also the citations).
func WriteTiers(w io.Writer, c *catalog.Catalog, skus []*catalog.SKU, format string) error {
	switch format {
	case FormatText, "":
		return writeTiersText(w, c, skus)
	case FormatMarkdown:
		return writeTiersMarkdown(w, c, skus)
	case FormatCSV:
		return writeTiersCSV(w, skus)
	case FormatJSON:
		return writeTiersJSON(w, c, skus)
	}
	return fmt.Errorf("format %q: use text, md, csv or json", format)
}

func writeTiersText(w io.Writer, c *catalog.Catalog, skus []*catalog.SKU) error {
	cols := tierColumns(skus)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"SKU", "TIER", "STATUS"}
	for _, col := range cols {
		head = append(head, col.title)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, s := range skus {
		row := []string{s.Name, s.Tier, s.Status}
		for _, col := range cols {
			row = append(row, figureCell(col.pick(s), col.count))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("\n~ derived from published figures (see the source); - not published, never guessed.\n")
	b.WriteString("GET/S is Microsoft's own measurement under the conditions its source states, not a guarantee.\n")
	if notes := skuNotes(skus); notes != "" {
		b.WriteString("\nNotes:\n" + notes)
	}
	b.WriteString("\nSources:\n")
	for _, src := range c.SourcesOf(skus) {
		fmt.Fprintf(&b, "  %-22s %-9s %s\n", src.Key, src.Kind, src.Citation)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTiersMarkdown(w io.Writer, c *catalog.Catalog, skus []*catalog.SKU) error {
	cols := tierColumns(skus)
	var b strings.Builder
	head := []string{"SKU", "Tier", "Status"}
	for _, col := range cols {
		head = append(head, strings.ToLower(col.title[:1])+strings.ToLower(col.title[1:]))
	}
	b.WriteString("| " + strings.Join(head, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", 3) + strings.Repeat("---:|", len(cols)) + "\n")
	for _, s := range skus {
		row := []string{s.Name, s.Tier, s.Status}
		for _, col := range cols {
			row = append(row, strings.ReplaceAll(figureCell(col.pick(s), col.count), "~", " ~"))
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n`~` derived from published figures; `-` not published, never guessed.\n")
	if notes := skuNotes(skus); notes != "" {
		b.WriteString("\nNotes:\n\n")
		for _, line := range strings.Split(strings.TrimSpace(notes), "\n") {
			b.WriteString("- " + strings.TrimSpace(line) + "\n")
		}
	}
	b.WriteString("\nSources:\n\n")
	for _, src := range c.SourcesOf(skus) {
		fmt.Fprintf(&b, "- `%s` (%s): %s\n", src.Key, src.Kind, src.Citation)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTiersCSV(w io.Writer, skus []*catalog.SKU) error {
	cw := csv.NewWriter(w)
	figs := []struct {
		name string
		pick func(*catalog.SKU) catalog.Figure
	}{
		{"memory_gb", func(s *catalog.SKU) catalog.Figure { return s.MemoryGB }},
		{"usable_gb", func(s *catalog.SKU) catalog.Figure { return s.UsableGB }},
		{"ram_gb", func(s *catalog.SKU) catalog.Figure { return s.RAM() }},
		{"vcpus", func(s *catalog.SKU) catalog.Figure { return s.VCPUs }},
		{"primary_shards", func(s *catalog.SKU) catalog.Figure { return s.PrimaryShards }},
		{"max_connections", func(s *catalog.SKU) catalog.Figure { return s.MaxConnections }},
		{"get_rps", func(s *catalog.SKU) catalog.Figure { return s.GetRPS }},
	}
	head := []string{"sku", "family", "tier", "status"}
	for _, f := range figs {
		head = append(head, f.name, f.name+"_kind", f.name+"_source")
	}
	if err := cw.Write(append(head, "note")); err != nil {
		return err
	}
	for _, s := range skus {
		row := []string{s.Name, s.Family, s.Tier, s.Status}
		for _, f := range figs {
			fig := f.pick(s)
			if fig.Known() {
				row = append(row, strconv.FormatFloat(fig.Value, 'f', -1, 64), string(fig.Kind()), fig.Source.Key)
			} else {
				row = append(row, "", string(catalog.Unknown), "")
			}
		}
		if err := cw.Write(append(row, s.Note)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeTiersJSON(w io.Writer, c *catalog.Catalog, skus []*catalog.SKU) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		SKUs    []*catalog.SKU    `json:"skus"`
		Sources []*catalog.Source `json:"sources"`
	}{skus, c.SourcesOf(skus)})
}

func skuNotes(skus []*catalog.SKU) string {
	var b strings.Builder
	for _, s := range skus {
		if s.Note != "" {
			fmt.Fprintf(&b, "  %-6s %s\n", s.Name, s.Note)
		}
	}
	return b.String()
}
