package main

import (
	"context"
	"errors"
	"io/fs"
	"sort"
	"strings"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

const compareSynopsis = `compare A B [C...] [flags]

Put runs side by side: ops/s, errors, each percentile of response and service time, throughput per
connection, and ops/s per vCPU where the run's SKU is known (--sku). Every run after the first is
given as a difference from the first, in percent. A difference within the runs' interval-to-interval
noise is marked "~": each metric is also computed per interval, and Welch's t-test on those series
(95% confidence) says whether the runs' means differ by more than their noise allows. Runs with
fewer than two measured intervals cannot be judged ("?").

A and B are result files (result.jsonl) or run directories; files of killed runs are compared over
their whole intervals.`

const compareExamples = `  # the same workload against the OSS and the Enterprise policy
  amrbench compare amrbench-results/20260101T100000Z-oss amrbench-results/20260101T101500Z-enterprise

  # three sizes, as a Markdown table for a report
  amrbench compare b10/ b20/ b50/ --format md > sizes.md

  # GETs only, as CSV for a spreadsheet (latencies in microseconds)
  amrbench compare a/result.jsonl b/result.jsonl --command GET --format csv

  # one self-contained page: the table, and the runs' percentile spectra and timelines on charts
  amrbench compare a/ b/ --format html > a-vs-b.html
`

func compareCommand(_ context.Context, env *environment, args []string) error {
	flags := newFlagSet(env, "compare", compareSynopsis, compareExamples)
	format := flags.String("format", "text", "output format: "+strings.Join(comparisonFormats(), ", "))
	command := flags.String("command", results.AllCommands, "the command to compare: ALL, or one the runs recorded (SET, GET, or an arbitrary command's name such as HSET)")
	var percentiles []float64
	flags.Var(percentileList{&percentiles}, "print-percentiles", "percentiles to compare (default 50,90,99,99.9,99.99 and any the runs asked for)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() < 2 {
		return usagef("give at least two result files or run directories to compare (got %d)", flags.NArg())
	}
	write, ok := report.ComparisonWriters[*format]
	if !ok {
		return usagef("--format %q: use %s", *format, strings.Join(comparisonFormats(), ", "))
	}
	var runs []results.NamedRun
	for _, path := range flags.Args() {
		run, err := results.ReadFile(path)
		if err != nil {
			var pathErr *fs.PathError
			if errors.As(err, &pathErr) {
				return usagef("%s: %w", path, pathErr.Err)
			}
			return usageError{err}
		}
		runs = append(runs, results.NamedRun{Name: path, Run: run})
	}
	c, err := report.Compare(runs, report.CompareOptions{Command: strings.ToUpper(*command), Percentiles: percentiles})
	if err != nil {
		return usageError{err}
	}
	return write(env.stdout, c)
}

func comparisonFormats() []string {
	var names []string
	for name := range report.ComparisonWriters {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
