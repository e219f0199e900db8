package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/report/compare"
	"github.com/amrbench/amrbench/results"
)

const compareSynopsis = `compare A B [C...] [flags]

Put runs side by side, per command (SET, GET, ALL): successful operations per second, errors and
error rate, each percentile of latency (response and service time; one block in a closed loop,
where they are the same), throughput per connection, and ops/s per vCPU where the run's SKU is
known (--sku). Every run after the first is given as a difference from the first, in percent. A
difference within the runs' interval-to-interval noise is marked "~": each metric is also computed
per interval, and Welch's t-test on those series (95% confidence) says whether the runs' means
differ by more than their noise allows. Runs with fewer than two measured intervals cannot be
judged ("?").

Before the table it says what differs between the runs' conditions (endpoint, policy, SKU, TLS,
connections, pipeline, load, workload, segment, client machine, client-bound, error rate,
warnings) and lists each run's warnings. A run whose failed operations exceed --max-error-rate, or
that drove an OSS cluster with --cluster-policy enterprise (MOVED errors), is not comparable: its
differences are not given. Runs that searched for the highest rate meeting their objectives
(--find-max, or --rate-ramp with --slo) are compared by that rate ("65,000 ops/s met p99<2ms vs
none"), not by whole-run averages that mix their steps. A client-bound run's throughput is marked
"≥": it is the client's limit, a lower bound of the cache's.

A and B are result files (result.jsonl) or run directories; files of killed runs are compared over
their whole intervals. A run given twice (the same file, or the same run id) is refused.`

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
	command := flags.String("command", "", "compare one command only: SET, GET, ALL or an arbitrary command's name such as HSET (default: each command, then ALL)")
	maxErr := flags.String("max-error-rate", "1%", "a run with more failed operations than this share is not comparable (100% turns the check off)")
	var percentiles []float64
	flags.Var(cmdline.Percentiles(&percentiles), "print-percentiles", "percentiles to compare (default 50,90,99,99.9,99.99 and any the runs asked for)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() < 2 {
		return usagef("give at least two result files or run directories to compare (got %d)", flags.NArg())
	}
	write, ok := compare.ComparisonWriters[*format]
	if !ok {
		return usagef("--format %q: use %s", *format, strings.Join(comparisonFormats(), ", "))
	}
	maxErrorRate, err := units.ParsePercent(*maxErr)
	if err != nil {
		return usagef("--max-error-rate: %w", err)
	}
	var runs []results.NamedRun
	seen := map[string]string{}
	for _, path := range flags.Args() {
		// A file given twice is refused before it is read again (after the
		// first reading, so that a file that cannot be read says so).
		key := resultFileKey(path)
		if first, ok := seen[key]; ok {
			return usagef("%s and %s are the same result file: compare needs two different runs", first, path)
		}
		seen[key] = path
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
	c, err := compare.Compare(runs, compare.Options{Command: strings.ToUpper(*command), Percentiles: percentiles, MaxErrorRate: &maxErrorRate})
	if err != nil {
		return usageError{err}
	}
	return write(env.stdout, c)
}

// resultFileKey names the result file a path stands for, whether given as
// the file or as its run directory, through symbolic links: two paths with
// one key are one file.
func resultFileKey(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		abs = filepath.Join(abs, results.FileName)
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	return abs
}

func comparisonFormats() []string {
	var names []string
	for name := range compare.ComparisonWriters {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
