package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
)

// fact is one line of what a run was: a name ("Target") and its text. A
// fact with no name continues the one before it.
type fact struct{ name, text string }

// runFacts says what was measured: target, load, workload, how the run was
// split or merged, and whether its file ends early.
func runFacts(run *results.Run, s *results.Summary) []fact {
	h := run.Header
	facts := []fact{{"Target", describeTarget(h.Target)}}
	switch e := h.Target.Embedded; {
	case strings.Contains(e, "describe"): // it says what its numbers are worth
		facts = append(facts, fact{"", "embedded default: " + e + "."})
	case e != "": // written before it did
		facts = append(facts, fact{"", "embedded default: " + e + ". These numbers describe this machine, not a cache."})
	}
	if h.Target.TLSUnverified {
		facts = append(facts, fact{"Insecure", unverifiedTLS})
	}
	facts = append(facts, fact{"Load", describeLoad(h, s)})
	if h.WorkloadText != "" {
		preset := ""
		if h.Preset != "" {
			preset = "preset " + h.Preset + ": "
		}
		facts = append(facts, fact{"Workload", preset + h.WorkloadText})
	}
	// describeKeySpace writes lines of a 10-column name and a text.
	for _, line := range strings.Split(strings.TrimRight(describeKeySpace(h, s), "\n"), "\n") {
		if len(line) > 10 {
			facts = append(facts, fact{strings.TrimSpace(line[:10]), line[10:]})
		}
	}
	if s.Auth != nil {
		facts = append(facts, fact{"Auth", describeAuth(s.Auth)})
	}
	if len(h.Sources) > 0 {
		facts = append(facts, fact{"Merged", describeSources(h)})
	} else if h.Segment != "" && h.Segment != segment.Whole.String() {
		facts = append(facts, fact{"Segment", fmt.Sprintf("%s: this machine's share of a split test; merge every segment's results with amrbench merge", h.Segment)})
	}
	if run.Truncated || run.Summary == nil {
		facts = append(facts, fact{"Note", "the result file ends early (the run was killed); this covers every whole interval in it"})
	}
	return append(facts, verdictFacts(s)...)
}

// unverifiedTLS says what a run with --tls-skip-verify did not check.
const unverifiedTLS = "TLS without verification (--tls-skip-verify): the server's certificate and host name were not checked, so anyone on the network path could have posed as the server"

func describeSources(h *results.Header) string {
	parts := make([]string, len(h.Sources))
	for i, src := range h.Sources {
		parts[i] = fmt.Sprintf("%s (%s, segment %s, %s)", src.File, src.Host, src.Segment, units.Plural(int64(src.Connections), "connection"))
	}
	text := fmt.Sprintf("%d runs: %s", len(h.Sources), strings.Join(parts, ", "))
	if !h.StartAt.IsZero() {
		text += "; measured window from " + h.StartAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return text
}

// latencyKind is one of the two latencies a run records.
type latencyKind struct {
	key   string // results.Latency*: "response" or "service"
	title string
	pick  func(*results.CommandSummary) results.Latency
}

// latencyKinds returns the latencies a run's report shows, first the one
// that matters: service time for a closed loop (where response time is the
// same), response then service time for an open loop.
func latencyKinds(h *results.Header) []latencyKind {
	service := latencyKind{"service", "Service time, from each request's actual send to its reply", func(c *results.CommandSummary) results.Latency { return c.Service }}
	if h.Mode != results.ModeOpen {
		service.title += " (closed loop: each connection sends when its previous reply arrives)"
		return []latencyKind{service}
	}
	return []latencyKind{
		{"response", "Response time, from each request's intended start (its place in the schedule) to its reply: what an application would see", func(c *results.CommandSummary) results.Latency { return c.Response }},
		service,
	}
}

// reportPercentiles returns the percentile columns: percentiles if given,
// else the run's own choice, else the defaults.
func reportPercentiles(h *results.Header, percentiles []float64) []float64 {
	if len(percentiles) == 0 {
		percentiles = h.Percentiles
	}
	if len(percentiles) == 0 {
		percentiles = results.DefaultPercentiles
	}
	return percentiles
}

func percentileName(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

// SummaryTables returns the summary's latency tables, one per latency kind
// the run reports, each with a row per command and ALL: throughput, hits and
// misses, mean, the percentile columns (nil: the run's own), max, traffic and
// errors. Latencies are in milliseconds for people, microseconds for CSV.
func SummaryTables(run *results.Run, s *results.Summary, percentiles []float64) []*Table {
	percentiles = reportPercentiles(run.Header, percentiles)
	var tables []*Table
	for _, k := range latencyKinds(run.Header) {
		t := &Table{Title: k.title + ". Milliseconds."}
		t.Columns = []Column{{Name: "COMMAND", Key: "command", Align: AlignLeft}, {Name: "OPS/S", Key: "ops_per_sec"},
			{Name: "HITS/S", Key: "hits_per_sec"}, {Name: "MISSES/S", Key: "misses_per_sec"}, {Name: "MEAN", Key: "mean_us"}}
		for _, p := range percentiles {
			t.Columns = append(t.Columns, Column{Name: "P" + percentileName(p), Key: results.PercentileKey(p)})
		}
		t.Columns = append(t.Columns, Column{Name: "MAX", Key: "max_us"}, Column{Name: "KB/S", Key: "kb_per_sec"}, Column{Name: "ERRORS", Key: "errors"})
		for _, name := range results.CommandNames(s.Commands) {
			c := s.Commands[name]
			l := k.pick(c)
			hits, misses := TextCell("-"), TextCell("-")
			if name == "GET" || (name == results.AllCommands && c.Hits+c.Misses > 0) {
				hits, misses = countCell(rate(c.Hits, s.DurationS)), countCell(rate(c.Misses, s.DurationS))
			}
			// No operation completed: no latency was measured, so none is
			// shown as if it had been.
			latency := millisCell
			if c.Count == 0 {
				latency = func(float64) TableCell { return TextCell("-") }
			}
			row := []TableCell{TextCell(name), countCell(c.OpsPerSec), hits, misses, latency(l.MeanMicros)}
			for _, p := range percentiles {
				v, _ := l.At(p)
				row = append(row, latency(float64(v)))
			}
			kb := rate1(float64(c.BytesSent+c.BytesReceived)/1024, s.DurationS)
			row = append(row, latency(float64(l.MaxMicros)),
				NumberCell(units.FormatThroughput(kb), strconv.FormatFloat(kb, 'f', 3, 64)),
				wholeCell(c.ErrorCount()))
			t.AddRow(row...)
		}
		tables = append(tables, t)
	}
	return tables
}

// countCell shows a rate with thousands separators and keeps one decimal
// for scripts.
func countCell(x float64) TableCell {
	return NumberCell(units.FormatThroughput(x), strconv.FormatFloat(x, 'f', 1, 64))
}

// millisCell shows microseconds as milliseconds and keeps microseconds for
// scripts.
func millisCell(us float64) TableCell {
	return NumberCell(units.FormatMillis(us), strconv.FormatFloat(us, 'f', -1, 64))
}

// SummaryCSV returns the summary as one table for scripts: a row per
// latency kind (response and service, whatever the mode) and command, with
// counts, rates, latencies in microseconds and errors by class.
func SummaryCSV(run *results.Run, s *results.Summary, percentiles []float64) *Table {
	percentiles = reportPercentiles(run.Header, percentiles)
	t := &Table{Title: "summary"}
	t.Columns = []Column{{Key: "run_id"}, {Key: "latency"}, {Key: "command"}, {Key: "count"}, {Key: "duration_s"}, {Key: "ops_per_sec"},
		{Key: "hits"}, {Key: "misses"}, {Key: "bytes_sent"}, {Key: "bytes_received"}, {Key: "mean_us"}}
	for _, p := range percentiles {
		t.Columns = append(t.Columns, Column{Key: results.PercentileKey(p)})
	}
	t.Columns = append(t.Columns, Column{Key: "max_us"}, Column{Key: "errors"})
	for _, c := range results.ErrorClasses {
		t.Columns = append(t.Columns, Column{Key: "errors_" + string(c)})
	}
	kinds := []latencyKind{
		{"response", "", func(c *results.CommandSummary) results.Latency { return c.Response }},
		{"service", "", func(c *results.CommandSummary) results.Latency { return c.Service }},
	}
	i64 := func(n int64) TableCell { return TextCell(strconv.FormatInt(n, 10)) }
	for _, k := range kinds {
		for _, name := range results.CommandNames(s.Commands) {
			c := s.Commands[name]
			l := k.pick(c)
			row := []TableCell{TextCell(run.Header.RunID), TextCell(k.key), TextCell(name), i64(c.Count),
				TextCell(strconv.FormatFloat(s.DurationS, 'f', 3, 64)), TextCell(strconv.FormatFloat(c.OpsPerSec, 'f', 1, 64)),
				i64(c.Hits), i64(c.Misses), i64(c.BytesSent), i64(c.BytesReceived), TextCell(strconv.FormatFloat(l.MeanMicros, 'f', 1, 64))}
			for _, p := range percentiles {
				v, _ := l.At(p)
				row = append(row, i64(v))
			}
			row = append(row, i64(l.MaxMicros), i64(c.ErrorCount()))
			for _, class := range results.ErrorClasses {
				row = append(row, i64(c.Errors[class]))
			}
			t.AddRow(row...)
		}
	}
	return t
}

// WriteSummaryMarkdown writes the summary as Markdown: the run's facts as a
// list, then the latency tables, errors and run integrity.
func WriteSummaryMarkdown(w io.Writer, run *results.Run, s *results.Summary, percentiles []float64) error {
	h := run.Header
	var b strings.Builder
	fmt.Fprintf(&b, "## amrbench %s %s\n\n", markdownEscape(h.Tool.Version), markdownEscape(runName(h)))
	facts := runFacts(run, s)
	for i, f := range facts {
		if f.name == "" {
			continue
		}
		line := "- **" + f.name + "** " + markdownEscape(f.text)
		for j := i + 1; j < len(facts) && facts[j].name == ""; j++ {
			line += " — " + markdownEscape(facts[j].text)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	tables := SummaryTables(run, s, percentiles)
	if st := ShardTable(run, s, percentiles); st != nil {
		tables = append(tables, st)
	}
	steps, verdict, err := StepsTable(run, s)
	if err != nil {
		return err
	}
	if steps != nil {
		tables = append(tables, steps)
	}
	for _, t := range tables {
		if err := t.WriteMarkdown(&b); err != nil {
			return err
		}
		b.WriteString("\n")
	}
	for _, line := range strings.Split(strings.TrimSpace(verdict+describeSpread(s.Shards)+runNotes(run.Header, s, true)), "\n") {
		b.WriteString(markdownEscape(line) + "\n\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// WriteSummaryCSV writes SummaryCSV's table.
func WriteSummaryCSV(w io.Writer, run *results.Run, s *results.Summary, percentiles []float64) error {
	return SummaryCSV(run, s, percentiles).WriteCSV(w)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
