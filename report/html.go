package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/amrbench/amrbench/results"
)

// The HTML page is one file that opens offline: its style sheet is inline,
// its charts are inline SVG drawn by gonum/plot, it runs no script, and its
// Content-Security-Policy forbids loading anything from anywhere, so a page
// that tried would show it in the browser's console.

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
	Facts                    []htmlFact
	Tables                   []htmlTable
	Notes                    []string
	Charts                   []htmlChart
	Events                   []htmlEvent
	EventsNote               string
	EventSources             bool // some events name the run they came from
	Config                   string
	Footer                   string
}

type htmlFact struct {
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

type htmlChart struct {
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

func toHTMLFacts(facts []fact) []htmlFact {
	var out []htmlFact
	for _, f := range facts {
		if f.name == "" && len(out) > 0 {
			out[len(out)-1].Lines = append(out[len(out)-1].Lines, f.text)
			continue
		}
		out = append(out, htmlFact{Name: f.name, Lines: []string{f.text}})
	}
	return out
}

func renderPage(w io.Writer, page *htmlPage) error {
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
	page.Facts = append(page.Facts, htmlFact{Name: "Run", Lines: []string{describeRun(h)}})
	for _, t := range SummaryTables(run, s, opts.Percentiles) {
		page.Tables = append(page.Tables, toHTMLTable(t))
	}
	if st := ShardTable(run, s, opts.Percentiles); st != nil {
		page.Tables = append(page.Tables, toHTMLTable(st))
	}
	steps, verdict, err := StepsTable(run, s)
	if err != nil {
		return err
	}
	if steps != nil {
		page.Tables = append(page.Tables, toHTMLTable(steps))
	}
	notes := verdict + describeSpread(s.Shards) + describeErrors(s) + describeRedirects(s) + describeReauth(s.Auth) + describeRunIntegrity(run.Header, s)
	page.Notes = append(page.Notes, strings.Split(strings.TrimSpace(notes), "\n")...)
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

func describeRun(h *results.Header) string {
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
			return out, fmt.Sprintf("The first %d of %d events; the charts mark them all.", maxHTMLEvents, len(run.Events))
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

// Chart captions say how to read each chart.
const (
	captionSpectrum   = "The latency below which each share of the operations of the measured window completed, read from one HdrHistogram per command holding every operation. The percentile axis is logarithmic in 1/(1−p): 90 %, 99 %, 99.9 %, … each get the same room, so the tail is as visible as the median."
	captionThroughput = "Operations completed per second in each interval. Shaded: warmup, left out of the statistics. Dashed vertical lines: the run's events."
	captionLatency    = "Percentiles of all commands in each interval, each from the interval's histogram."
	captionErrors     = "Failed operations per second in each interval, by class."
	captionShards     = "Each shard's part of the measured window, from the per-shard counts and histograms."
	captionRedirects  = "MOVED and ASK replies per second that the cluster client followed to another shard while slots moved: not failures, but each such operation's latency includes the detour."
)

// runCharts draws a run's charts.
func runCharts(run *results.Run, s *results.Summary) ([]htmlChart, error) {
	h := run.Header
	kind := latencyKinds(h)[0]
	var charts []htmlChart
	add := func(id, title, caption string, svg []byte, err error) error {
		if err != nil {
			return err
		}
		if svg != nil { // drawn by gonum/plot, which escapes the text it writes
			charts = append(charts, htmlChart{ID: id, Title: title, Caption: caption, SVG: template.HTML(svg)})
		}
		return nil
	}
	totals, _, err := results.Totals(run.Intervals)
	if err != nil {
		return nil, err
	}
	var curves []series
	for i, name := range results.CommandNames(totals) {
		hist := totals[name].Service
		if kind.key == results.LatencyResponse {
			hist = totals[name].Response
		}
		width := vg.Length(1.5)
		if name == results.AllCommands {
			width = 2
		}
		curves = append(curves, series{name: name, points: spectrumPoints(hist), color: commandColor(name, i), width: width})
	}
	if h.Mode == results.ModeOpen {
		curves = append(curves, series{name: "ALL service time", points: spectrumPoints(totals[results.AllCommands].Service), color: colorAll, dashed: true})
	}
	title := strings.SplitN(kind.title, ",", 2)[0] + " by percentile"
	svg, err := spectrumChart(title, curves)
	if err := add("chart-percentiles", title, captionSpectrum, svg, err); err != nil {
		return nil, err
	}
	tl, err := newTimeline(run)
	if err != nil {
		return nil, err
	}
	markers := tl.markers(run.Events)
	svg, err = timeChart("Throughput", "operations per second", tl.throughput(), markers, tl.warmupFrom, tl.end)
	if err := add("chart-throughput", "Throughput over time", captionThroughput, svg, err); err != nil {
		return nil, err
	}
	ltitle := strings.SplitN(kind.title, ",", 2)[0] + " over time"
	svg, err = timeChart(ltitle, "latency (ms)", tl.latency(kind), markers, tl.warmupFrom, tl.end)
	if err := add("chart-latency", ltitle, captionLatency, svg, err); err != nil {
		return nil, err
	}
	if errs := tl.errors(); len(errs) > 0 {
		caption := captionErrors
		if errs[len(errs)-1].name == lateStartsSeries {
			caption += " Dashed: operations sent more than the late-start threshold after their due time (open loop)."
		}
		svg, err = timeChart("Errors", "per second", errs, markers, tl.warmupFrom, tl.end)
		if err := add("chart-errors", "Errors over time", caption, svg, err); err != nil {
			return nil, err
		}
	}
	if reds := tl.redirects(); len(reds) > 0 {
		svg, err = timeChart("Redirects", "per second", reds, markers, tl.warmupFrom, tl.end)
		if err := add("chart-redirects", "Redirects over time", captionRedirects, svg, err); err != nil {
			return nil, err
		}
	}
	if len(s.Shards) > 0 {
		addrs := sortedKeys(s.Shards)
		ops := bar{name: "ops/s", color: palette[0]}
		lat := make([]bar, len(latencyPercentiles))
		colors := []int{0, 1, 3}
		for i, p := range latencyPercentiles {
			lat[i] = bar{name: "p" + percentileName(p), color: palette[colors[i]]}
		}
		for _, addr := range addrs {
			sh := s.Shards[addr]
			ops.values = append(ops.values, sh.OpsPerSec)
			hist := shardHistogram(run, addr)
			vs := hist.ValueAtPercentilesSlice(latencyPercentiles)
			for i := range lat {
				lat[i].values = append(lat[i].values, float64(vs[i])/1000)
			}
		}
		svg, err = barChart("Throughput by shard", "operations per second", addrs, []bar{ops})
		if err := add("chart-shard-throughput", "Throughput by shard", captionShards, svg, err); err != nil {
			return nil, err
		}
		svg, err = barChart("Response time by shard", "latency (ms)", addrs, lat)
		if err := add("chart-shard-latency", "Response time by shard", captionShards, svg, err); err != nil {
			return nil, err
		}
	}
	return charts, nil
}

// shardHistogram returns the response-time histogram of one shard over the
// measured window.
func shardHistogram(run *results.Run, addr string) *results.Histogram {
	h := results.NewHistogram()
	for _, iv := range run.Intervals {
		if ss := iv.Shards[addr]; iv.Measured() && ss != nil {
			_ = h.Add(ss.Response) // the standard geometry: cannot fail
		}
	}
	return h
}

// ComparisonTable returns a comparison's metrics as a Table: a row per
// metric, a column per run and, after each run but the first, its
// difference from the first, marked when it is within the runs' noise.
// Latencies are in milliseconds for people and microseconds for scripts.
func ComparisonTable(c *Comparison) *Table {
	t := &Table{Title: fmt.Sprintf("%s: differences are against %s, in percent of its value.", upperFirst(commandTitle(c.Command)), c.Runs[0].Letter)}
	for i, name := range comparisonColumns(c) {
		col := Column{Name: name, Key: name}
		if i == 0 {
			col.Align, col.Key = AlignLeft, "metric"
		}
		t.Columns = append(t.Columns, col)
	}
	for _, row := range c.Rows {
		texts := comparisonCells(row, " ")
		cells := []TableCell{NumberCell(texts[0], row.Key)}
		k := 1
		for i, cell := range row.Cells {
			value := ""
			if cell.Known {
				value = strconv.FormatFloat(cell.Value, 'f', -1, 64)
			}
			cells = append(cells, NumberCell(texts[k], value))
			k++
			if i > 0 {
				diff := ""
				if cell.DiffKnown {
					diff = strconv.FormatFloat(cell.DiffPct, 'f', -1, 64)
				}
				cells = append(cells, NumberCell(texts[k], diff))
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
	page := &htmlPage{
		Title:    "amrbench compare: " + strings.Join(names, " vs "),
		Heading:  strings.Join(names, " vs "),
		Subtitle: fmt.Sprintf("%d runs compared, %s", len(c.Runs), commandTitle(c.Command)),
		Footer: fmt.Sprintf("Rendered by %s from %d result files of schema %s. Every number and chart on this page is computed from the files' intervals.",
			generator(c.Runs[0].Header, HTMLOptions{}), len(c.Runs), results.Schema),
	}
	for _, r := range c.Runs {
		page.Facts = append(page.Facts, htmlFact{Name: r.Letter + " " + r.Name, Lines: []string{r.Describe(), r.Header.WorkloadText, r.Source, describeRun(r.Header)}})
	}
	page.Tables = []htmlTable{toHTMLTable(ComparisonTable(c))}
	page.Notes = append([]string{noiseLegend}, c.Notes...)

	var spectra, tput, p99 []series
	end := 0.0
	for i, nr := range c.runs {
		r := c.Runs[i]
		name := r.Letter + " " + r.Name
		color := palette[i%len(palette)]
		kind := latencyKinds(r.Header)[0]
		run := onlyCommand(nr.Run, c.Command)
		totals, _, err := results.Totals(run.Intervals)
		if err != nil {
			return fmt.Errorf("%s: %w", r.Source, err)
		}
		hist := totals[results.AllCommands].Service
		if kind.key == results.LatencyResponse {
			hist = totals[results.AllCommands].Response
		}
		spectra = append(spectra, series{name: name + " (" + kind.key + " time)", points: spectrumPoints(hist), color: color, width: 2})
		tl, err := newTimeline(run)
		if err != nil {
			return fmt.Errorf("%s: %w", r.Source, err)
		}
		end = max(end, tl.end)
		for _, s := range tl.throughput() {
			if s.name == results.AllCommands {
				tput = append(tput, series{name: name, points: s.points, color: color, width: 1.5})
			}
		}
		p99 = append(p99, series{name: name, points: tl.latency(kind)[1].points, color: color, width: 1.5})
	}
	what := "all commands"
	if c.Command != "" && c.Command != results.AllCommands {
		what = c.Command
	}
	svg, err := spectrumChart("Latency by percentile", spectra)
	if err != nil {
		return err
	}
	page.Charts = append(page.Charts, htmlChart{ID: "chart-percentiles", Title: "Latency by percentile", SVG: template.HTML(svg),
		Caption: captionSpectrum + " Each run's curve is of " + what + ", in the latency it reports first (response time for an open loop)."})
	svg, err = timeChart("Throughput", "operations per second", measuredOnly(tput), nil, 0, end)
	if err != nil {
		return err
	}
	if svg != nil {
		page.Charts = append(page.Charts, htmlChart{ID: "chart-throughput", Title: "Throughput over time", SVG: template.HTML(svg),
			Caption: "Operations per second of " + what + " in each interval, each run from the start of its measured window."})
	}
	svg, err = timeChart("p99 latency", "latency (ms)", measuredOnly(p99), nil, 0, end)
	if err != nil {
		return err
	}
	if svg != nil {
		page.Charts = append(page.Charts, htmlChart{ID: "chart-latency", Title: "p99 over time", SVG: template.HTML(svg),
			Caption: "The 99th percentile of " + what + " in each interval, each from the interval's histogram."})
	}
	return renderPage(w, page)
}

// measuredOnly drops the warmup from each series (x < 0): runs compare on
// their measured windows.
func measuredOnly(ss []series) []series {
	out := make([]series, len(ss))
	for i, s := range ss {
		out[i] = s
		out[i].points = nil
		for _, pt := range s.points {
			if pt.X >= 0 {
				out[i].points = append(out[i].points, pt)
			}
		}
	}
	return out
}
