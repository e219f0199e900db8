package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

const mergeSynopsis = `merge RESULT|DIR... [-o DIR] [flags]

Merge the results of one test run from several machines (run --segment i/n, best started together
with --start-at) into one run directory, as if one machine had run the whole test. Intervals are
aligned by wall-clock time; counts are added and HdrHistograms added exactly, so the merged
percentiles are those of every operation of every machine, never an average of percentiles.

The merge warns, and still merges, when the runs' configurations differ, when their hosts' clocks
disagree (each run reads its host's clock against the server's), when their measured windows do not
line up, when a segment is missing or given twice, or when one run is given twice.`

const mergeExamples = `  # three machines ran --segment 0/3, 1/3 and 2/3 with one --start-at; their run directories are here
  amrbench merge seg-0 seg-1 seg-2 -o b10-merged

  # result files work too, and the merged directory renders like any other
  amrbench merge vm1/result.jsonl vm2/result.jsonl -o merged
  amrbench report merged --format html -o merged.html
`

func mergeCommand(_ context.Context, env *environment, args []string) error {
	var out string
	var percentiles []float64
	fs := newFlagSet(env, "merge", mergeSynopsis, mergeExamples)
	fs.StringVarP(&out, "out", "o", "", "run directory to write (default amrbench-results/<time>-merged-<label>)")
	fs.Var(percentileList{&percentiles}, "print-percentiles", "percentile columns of the summary (default: the runs' own)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("name the result files or run directories to merge")
	}
	if out != "" {
		if err := checkFreeRunDirectory(out); err != nil { // before the work, not after
			return err
		}
	}
	var runs []results.NamedRun
	for _, name := range fs.Args() {
		if name == "-" {
			return usagef("merge reads files, not the standard input")
		}
		run, err := readResult(env, name)
		if err != nil {
			return err
		}
		runs = append(runs, results.NamedRun{Name: name, Run: run})
	}
	merged, warnings, err := results.Merge(runs)
	for _, w := range warnings {
		fmt.Fprintf(env.stderr, "amrbench merge: warning: %s\n", w)
	}
	if err != nil {
		return err
	}
	merged.Header.Tool = toolInfo()
	merged.Header.RunID = safeName(merged.Header.RunID)
	if len(percentiles) > 0 {
		merged.Header.Percentiles = percentiles
	}
	sum, err := merged.Summarize() // before the directory, so a failure leaves none
	if err != nil {
		return fmt.Errorf("the merged runs: %w", err)
	}
	setExitCode(sum)
	dir, _, err := runDirectory(out, merged.Header)
	if err != nil {
		return err
	}
	if err := writeMergedRun(dir, merged, sum); err != nil {
		return err
	}
	merged.Summary = sum
	files, err := renderRunDirectory(dir, merged, sum, percentiles)
	if err != nil {
		return err
	}
	if err := report.WriteSummary(env.stdout, merged, sum, percentiles); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "amrbench: merged %d runs into %s: %s\n", len(runs), dir, strings.Join(files, ", "))
	return nil
}

// writeMergedRun writes the merged run's result file: the header, then its
// intervals and events in time order, then sum, the summary computed from
// them.
func writeMergedRun(dir string, run *results.Run, sum *results.Summary) error {
	path := filepath.Join(dir, results.FileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create result file: %w", err)
	}
	defer f.Close()
	w := results.NewWriter(f)
	if err := w.WriteHeader(run.Header); err != nil {
		return err
	}
	type record struct {
		at    time.Time
		write func() error
	}
	var recs []record
	for _, iv := range run.Intervals {
		recs = append(recs, record{iv.End, func() error { return w.WriteInterval(iv) }})
	}
	for _, e := range run.Events {
		recs = append(recs, record{e.Time, func() error { return w.WriteEvent(e) }})
	}
	for _, s := range run.Server {
		recs = append(recs, record{s.End, func() error { return w.WriteServer(s) }})
	}
	for _, a := range run.Azure {
		recs = append(recs, record{a.FetchedAt, func() error { return w.WriteAzureMetrics(a) }})
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].at.Before(recs[j].at) })
	for _, r := range recs {
		if err := r.write(); err != nil {
			return err
		}
	}
	if err := w.WriteSummary(sum); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write result file: %w", err)
	}
	return nil
}
