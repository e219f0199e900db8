package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

const reportSynopsis = `report RESULT|DIR [flags]

Render a result file again: a run directory or its result.jsonl, a merged run, or a file cut short by
a killed run (everything up to its last whole interval is rendered). "-" reads the standard input.
Everything is computed from the file's intervals, so every format agrees with the others.

Formats: text (the summary table, as run prints it), md (the same in Markdown), csv (one row per
latency kind and command, latencies in microseconds), html (the self-contained page with charts of
report.html), hgrm (HdrHistogram percentile distribution, milliseconds), hlog (HdrHistogram interval
log, microseconds).`

const reportExamples = `  # the summary again, with other percentile columns
  amrbench report amrbench-results/20261123T120000Z-b10 --print-percentiles 50,99,99.9,99.999

  # the page with charts, to open in a browser or attach to a ticket
  amrbench report amrbench-results/20261123T120000Z-b10 --format html -o b10.html

  # Markdown for a pull request or a wiki, CSV for a spreadsheet
  amrbench report result.jsonl --format md
  amrbench report result.jsonl --format csv > b10.csv

  # GET's percentile distribution for HdrHistogram's plotter
  amrbench report result.jsonl --format hgrm --command GET > GET.hgrm
`

// reportFormats are the formats of report, in the order --help lists them.
var reportFormats = []string{"text", "md", "csv", "html", "hgrm", "hlog"}

type reportFlags struct {
	format, output, latency, command string
	percentiles                      []float64
}

func reportCommand(_ context.Context, env *environment, args []string) error {
	var f reportFlags
	fs := newFlagSet(env, "report", reportSynopsis, reportExamples)
	fs.StringVarP(&f.format, "format", "f", "text", "output format: "+strings.Join(reportFormats, ", "))
	fs.StringVarP(&f.output, "output", "o", "", "write to this file instead of the standard output")
	fs.Var(cmdline.Percentiles(&f.percentiles), "print-percentiles", "percentile columns of text, md, csv and html (default: the run's own)")
	fs.StringVar(&f.latency, "latency", results.LatencyResponse, "hgrm and hlog: response or service time")
	fs.StringVar(&f.command, "command", results.AllCommands, "hgrm: the command whose distribution to write (ALL: every command)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 0:
		return usagef("name a result file or run directory (amrbench report RESULT|DIR)")
	case fs.NArg() > 1:
		return usagef("one result file at a time; to combine runs of several machines, use amrbench merge")
	case !slices.Contains(reportFormats, f.format):
		return usagef("--format %q: use one of %s", f.format, strings.Join(reportFormats, ", "))
	case f.latency != results.LatencyResponse && f.latency != results.LatencyService:
		return usagef("--latency %q: use response or service", f.latency)
	case fs.Changed("command") && f.format != "hgrm":
		return usagef("--command: only --format hgrm writes one command's distribution")
	case fs.Changed("latency") && f.format != "hgrm" && f.format != "hlog":
		return usagef("--latency: only --format hgrm and hlog write one kind of latency")
	case fs.Changed("print-percentiles") && (f.format == "hgrm" || f.format == "hlog"):
		return usagef("--print-percentiles: --format %s writes every percentile", f.format)
	}
	run, err := readResult(env, fs.Arg(0))
	if err != nil {
		return err
	}
	sum, err := run.Summarize()
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	setExitCode(sum)
	render := func(w io.Writer) error { return renderReport(w, run, sum, &f) }
	if f.output == "" {
		return render(env.stdout)
	}
	if err := rundir.WriteFile(f.output, render); err != nil {
		return usagef("--output: %w", err)
	}
	return nil
}

// renderReport writes run in f's format.
func renderReport(w io.Writer, run *results.Run, sum *results.Summary, f *reportFlags) error {
	switch f.format {
	case "md":
		return report.WriteSummaryMarkdown(w, run, sum, f.percentiles)
	case "csv":
		return report.WriteSummaryCSV(w, run, sum, f.percentiles)
	case "html":
		return report.WriteHTML(w, run, sum, report.HTMLOptions{Percentiles: f.percentiles})
	case "hgrm":
		totals, _, err := results.Totals(run.Intervals)
		if err != nil {
			return err
		}
		t, ok := totals[f.command]
		if !ok {
			return usagef("--command %q: the run has %s", f.command, strings.Join(results.CommandNames(totals), ", "))
		}
		h := t.Response
		if f.latency == results.LatencyService {
			h = t.Service
		}
		return report.WritePercentiles(w, h)
	case "hlog":
		return report.WriteIntervalLog(w, run, f.latency)
	default:
		return report.WriteSummary(w, run, sum, f.percentiles)
	}
}

// readResult reads a result file, a run directory or, for "-", the standard
// input. A file that cannot be read as a result is a usage error naming it.
func readResult(env *environment, name string) (*results.Run, error) {
	if name == "-" {
		if env.stdin == nil {
			return nil, usagef("no standard input to read")
		}
		run, err := results.Read(env.stdin)
		if err != nil {
			return nil, usagef("standard input: %w", err)
		}
		return run, nil
	}
	run, err := results.ReadFile(name)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, usagef("%s: no such file or run directory", name)
		}
		return nil, usagef("%w", err)
	}
	return run, nil
}
