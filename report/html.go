package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/chart"
	"github.com/amrbench/amrbench/results"
)

// The HTML page is one file that opens offline: its style sheet is inline,
// its charts are inline SVG (package chart), its one script is inline and
// only shows the values under the pointer, and its Content-Security-Policy
// forbids loading anything from anywhere and running any other script (the
// policy names the script by its hash), so a page that tried would show it
// in the browser's console.

//go:embed html.tmpl
var htmlSource string

var pageTemplate = sync.OnceValues(func() (*template.Template, error) {
	return template.New("page").Parse(htmlSource)
})

// HTMLOptions tune an HTML page.
type HTMLOptions struct {
	// Percentiles are the summary's percentile columns; nil: the run's own.
	Percentiles []float64
	// Generator names what rendered the page, in its footer (e.g.
	// "amrbench v1.2.0"); empty: the tool named by the run's header.
	Generator string
}

// htmlPage is what the template renders.
type htmlPage struct {
	Title, Heading, Subtitle string
	Facts                    []PageFact
	Tables                   []htmlTable
	Notes                    []string
	// ErrorSamples and Warnings are the run's error messages and warnings,
	// one line each.
	ErrorSamples, Warnings []string
	Charts                 []PageChart
	Events                 []htmlEvent
	EventsNote             string
	EventSources           bool // some events name the run they came from
	Config                 string
	Footer                 string
	// CSP is the page's Content-Security-Policy; Script its hover script
	// and ChartStyle the style of the charts and the hover box.
	CSP        string
	Script     template.JS
	ChartStyle template.CSS
}

// PageFact is one fact at the top of a Page: a name and its lines.
type PageFact struct {
	Name  string
	Lines []string
}

type htmlTable struct {
	Title string
	Head  []htmlCell
	Rows  [][]htmlCell
	// Totals is set when the last row adds up the others (ALL).
	Totals bool
}

type htmlCell struct{ Text, Class string }

// PageChart is one chart of a Page, already drawn (OverlayCharts): its
// element id, title, caption and inline SVG.
type PageChart struct {
	ID, Title, Caption string
	SVG                template.HTML
}

type htmlEvent struct {
	At, Time, Kind, Detail, Source string
	Count                          int64
}

// maxHTMLEvents bounds the events listed in the page's table; the charts
// mark them all.
const maxHTMLEvents = 200

func toHTMLTable(t *Table) htmlTable {
	out := htmlTable{Title: t.Title}
	class := func(c int) string {
		if c < len(t.Columns) && t.Columns[c].Align == AlignLeft {
			return "l"
		}
		return "r"
	}
	for i, c := range t.Columns {
		name := c.Name
		if name == "" {
			name = c.Key
		}
		out.Head = append(out.Head, htmlCell{name, class(i)})
	}
	for r := range t.Rows {
		row := make([]htmlCell, len(t.Columns))
		for c := range t.Columns {
			row[c] = htmlCell{t.cell(r, c).Text, class(c)}
		}
		out.Rows = append(out.Rows, row)
	}
	out.Totals = len(t.Rows) > 1 && t.cell(len(t.Rows)-1, 0).Text == results.AllCommands
	return out
}

func toHTMLFacts(facts []fact) []PageFact {
	var out []PageFact
	for _, f := range facts {
		if f.name == "" && len(out) > 0 {
			out[len(out)-1].Lines = append(out[len(out)-1].Lines, f.text)
			continue
		}
		out = append(out, PageFact{Name: f.name, Lines: []string{f.text}})
	}
	return out
}

// contentSecurityPolicy lets the page load nothing, style itself inline and
// run its own hover script, named by its hash, and nothing else.
var contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src " + chart.ScriptHash()

func renderPage(w io.Writer, page *htmlPage) error {
	page.CSP, page.Script, page.ChartStyle = contentSecurityPolicy, template.JS(chart.Script), template.CSS(chart.Style)
	tmpl, err := pageTemplate()
	if err != nil {
		return fmt.Errorf("HTML template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, page); err != nil {
		return fmt.Errorf("render HTML: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func generator(h *results.Header, opts HTMLOptions) string {
	if opts.Generator != "" {
		return opts.Generator
	}
	return strings.TrimSpace(h.Tool.Name + " " + h.Tool.Version)
}

// WriteHTML writes a run's report as one self-contained HTML page: the
// configuration and target, the summary tables, and charts of latency by
// percentile, throughput, latency and errors over time with the run's events
// marked, and per-shard bars for a cluster.
func WriteHTML(w io.Writer, run *results.Run, s *results.Summary, opts HTMLOptions) error {
	h := run.Header
	page := &htmlPage{
		Title:    "amrbench: " + runName(h),
		Heading:  runName(h),
		Subtitle: fmt.Sprintf("%s, started %s on %s", describeTarget(h.Target), h.Start.UTC().Format("2006-01-02 15:04:05 MST"), h.Host),
		Facts:    toHTMLFacts(runFacts(run, s)),
		Footer: fmt.Sprintf("Rendered by %s from a result file of schema %s written by %s %s%s. Every number and chart on this page is computed from the file's intervals.",
			generator(h, opts), results.Schema, h.Tool.Name, h.Tool.Version, commitText(h.Tool.Commit)),
	}
	page.Facts = append(page.Facts, PageFact{Name: "Run", Lines: []string{DescribeRun(h)}})
	for _, t := range SummaryTables(run, s, opts.Percentiles) {
		page.Tables = append(page.Tables, toHTMLTable(t))
	}
	if st := ShardTable(run, s, opts.Percentiles); st != nil {
		page.Tables = append(page.Tables, toHTMLTable(st))
	}
	servers := results.SummarizeServers(run)
	if st := ServerTable(servers); st != nil {
		page.Tables = append(page.Tables, toHTMLTable(st))
	}
	steps, verdict, err := StepsTable(run, s)
	if err != nil {
		return err
	}
	if steps != nil {
		page.Tables = append(page.Tables, toHTMLTable(steps))
	}
	notes := verdict + describeSpread(s.Shards) + runNotes(run.Header, s, false) + DescribeServers(run, servers) + describeAzure(run)
	page.Notes = append(page.Notes, strings.Split(strings.TrimSpace(notes), "\n")...)
	page.ErrorSamples, page.Warnings = errorSampleLines(s), warningLines(s)
	charts, err := runCharts(run, s)
	if err != nil {
		return err
	}
	page.Charts = charts
	page.Events, page.EventsNote = htmlEvents(run)
	for _, e := range page.Events {
		page.EventSources = page.EventSources || e.Source != ""
	}
	page.Config = configText(h)
	return renderPage(w, page)
}

func commitText(c string) string {
	if c == "" {
		return ""
	}
	if len(c) > 12 {
		c = c[:12]
	}
	return " (commit " + c + ")"
}

// DescribeRun says in a line which run a header is: its id, start, host,
// interval, seed, measured window (--start-at) and clock offset.
func DescribeRun(h *results.Header) string {
	parts := []string{"id " + h.RunID, "started " + h.Start.UTC().Format(time.RFC3339), "host " + h.Host,
		fmt.Sprintf("%g s intervals", h.IntervalS), fmt.Sprintf("seed %d", h.Seed)}
	if !h.StartAt.IsZero() {
		parts = append(parts, "measured window from "+h.StartAt.UTC().Format(time.RFC3339Nano)+" (--start-at)")
	}
	if h.Clock != nil {
		parts = append(parts, fmt.Sprintf("host clock %+.1f ms against the server's (±%.1f ms)", h.Clock.OffsetMS, h.Clock.UncertaintyMS))
	}
	return strings.Join(parts, ", ")
}

// configText returns the run's configuration and workload as indented JSON.
func configText(h *results.Header) string {
	var b strings.Builder
	for _, part := range []struct {
		name string
		raw  json.RawMessage
	}{{"configuration", h.Config}, {"workload", h.Workload}} {
		if len(part.raw) == 0 {
			continue
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, part.raw, "", "  "); err != nil {
			buf.Reset()
			buf.Write(part.raw)
		}
		fmt.Fprintf(&b, "%s: %s\n", part.name, buf.String())
	}
	return b.String()
}

func htmlEvents(run *results.Run) ([]htmlEvent, string) {
	origin := run.MeasuredStart()
	var out []htmlEvent
	for _, e := range run.Events {
		if len(out) == maxHTMLEvents {
			return out, fmt.Sprintf("The first %s of %s events; the charts mark them all.", units.FormatInt(maxHTMLEvents), units.FormatInt(len(run.Events)))
		}
		out = append(out, htmlEvent{
			At:     strconv.FormatFloat(e.Time.Sub(origin).Seconds(), 'f', 1, 64),
			Time:   e.Time.UTC().Format("15:04:05.000"),
			Kind:   eventLabel(e.Kind),
			Detail: e.Detail, Source: e.Source, Count: e.Count,
		})
	}
	return out, ""
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// onlyCommand returns run with every interval holding just the given
// command (as ALL, so the timelines draw it), or run itself for ALL.
func onlyCommand(run *results.Run, command string) *results.Run {
	if command == "" || command == results.AllCommands {
		return run
	}
	out := *run
	out.Intervals = make([]*results.Interval, len(run.Intervals))
	for i, iv := range run.Intervals {
		c := *iv
		c.Commands = map[string]*results.CommandStats{}
		if cs := iv.Commands[command]; cs != nil {
			c.Commands[command] = cs
		}
		out.Intervals[i] = &c
	}
	return &out
}

// Page is what a page of the report's look holds besides its style, script
// and security policy, which WritePage adds: a comparison's page (package
// report/compare) fills one.
type Page struct {
	Title, Heading, Subtitle string
	Facts                    []PageFact
	Tables                   []*Table
	Notes                    []string
	Charts                   []PageChart
	Footer                   string
}

// WritePage writes p as one self-contained HTML page, laid out and styled
// as a run's page (WriteHTML).
func WritePage(w io.Writer, p *Page) error {
	page := &htmlPage{
		Title: p.Title, Heading: p.Heading, Subtitle: p.Subtitle,
		Facts: p.Facts, Notes: p.Notes, Charts: p.Charts, Footer: p.Footer,
	}
	for _, t := range p.Tables {
		page.Tables = append(page.Tables, toHTMLTable(t))
	}
	return renderPage(w, page)
}

// Generator names the tool that wrote a run (from its header), as a page's
// footer does: "amrbench v1.2.0".
func Generator(h *results.Header) string { return generator(h, HTMLOptions{}) }
