package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/results"
)

// runFiles is a run directory being written.
type runFiles struct {
	dir    string
	file   *os.File
	writer *results.Writer
}

// createRunFiles creates result.jsonl in dir and writes the header. Every
// record is also written to tee, if not nil (the container's sink, which
// never blocks), after the file has it.
func createRunFiles(dir string, h *results.Header, tee io.Writer) (*runFiles, error) {
	path := filepath.Join(dir, results.FileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create result file: %w", err)
	}
	var w io.Writer = f
	if tee != nil {
		w = io.MultiWriter(f, tee)
	}
	out := &runFiles{dir: dir, file: f, writer: results.NewWriter(w)}
	if err := out.writer.WriteHeader(h); err != nil {
		f.Close()
		return nil, err
	}
	return out, nil
}

func (o *runFiles) close() { _ = o.file.Close() }

// finish reads the result file back, appends the summary computed from it,
// and renders every other file of the run directory from it, so that the
// files always agree with result.jsonl. It prints the summary on stdout.
func (o *runFiles) finish(env *environment, out outputPlan, h *results.Header) (*results.Summary, error) {
	run, err := results.ReadFile(filepath.Join(o.dir, results.FileName))
	if err != nil {
		return nil, fmt.Errorf("read back the results: %w", err)
	}
	sum, err := run.Summarize()
	if errors.Is(err, results.ErrNoIntervals) {
		return nil, fmt.Errorf("the run stopped before its measured window began: nothing was measured (%s holds the header and any warmup)", filepath.Join(o.dir, results.FileName))
	}
	if err != nil {
		return nil, err
	}
	setExitCode(sum)
	if err := o.writer.WriteSummary(sum); err != nil {
		return nil, err
	}
	if err := o.file.Sync(); err != nil {
		return nil, fmt.Errorf("write result file: %w", err)
	}
	run.Summary = sum
	if err := report.WriteSummary(env.stdout, run, sum, out.percentiles); err != nil {
		return nil, err
	}
	files, err := renderRunDirectory(o.dir, run, sum, out.percentiles)
	if err != nil {
		return nil, err
	}
	if out.hdrPrefix != "" {
		if _, err := writeHDRFiles(out.hdrPrefix+"_", out.hdrPrefix+".hlog", run); err != nil {
			return nil, fmt.Errorf("--hdr-file-prefix: %w", err)
		}
	}
	if out.jsonOut != "" {
		if err := writeMemtierJSON(out.jsonOut, []*results.Run{run}, out); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(env.stderr, "amrbench: wrote %s\n", strings.Join(files, ", "))
	return sum, nil
}

// renderRunDirectory writes summary.txt, report.html, the .hgrm files and
// intervals.hlog into dir from run, and returns their names.
func renderRunDirectory(dir string, run *results.Run, sum *results.Summary, percentiles []float64) ([]string, error) {
	names := []string{results.FileName, "summary.txt", "report.html"}
	if err := writeFile(filepath.Join(dir, "summary.txt"), func(w io.Writer) error {
		return report.WriteSummary(w, run, sum, percentiles)
	}); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "report.html"), func(w io.Writer) error {
		t := toolInfo()
		return report.WriteHTML(w, run, sum, report.HTMLOptions{Percentiles: percentiles, Generator: t.Name + " " + t.Version})
	}); err != nil {
		return nil, err
	}
	hdr, err := writeHDRFiles(dir+string(os.PathSeparator), filepath.Join(dir, "intervals.hlog"), run)
	if err != nil {
		return nil, err
	}
	return append(names, hdr...), nil
}

// writeHDRFiles writes prefix<COMMAND>.hgrm for every command and ALL (of
// response time, which in a closed loop is the service time), plus
// prefix<COMMAND>-service.hgrm for an open-loop run, and the interval log.
func writeHDRFiles(prefix, hlogPath string, run *results.Run) ([]string, error) {
	totals, _, err := results.Totals(run.Intervals)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, name := range results.CommandNames(totals) {
		kinds := []struct {
			suffix string
			hist   *results.Histogram
		}{{"", totals[name].Response}}
		if run.Header.Mode == results.ModeOpen {
			kinds = append(kinds, struct {
				suffix string
				hist   *results.Histogram
			}{"-service", totals[name].Service})
		}
		for _, k := range kinds {
			path := prefix + name + k.suffix + ".hgrm"
			if err := writeFile(path, func(w io.Writer) error { return report.WritePercentiles(w, k.hist) }); err != nil {
				return nil, err
			}
			names = append(names, filepath.Base(path))
		}
	}
	if err := writeFile(hlogPath, func(w io.Writer) error {
		return report.WriteIntervalLog(w, run, results.LatencyResponse)
	}); err != nil {
		return nil, err
	}
	return append(names, filepath.Base(hlogPath)), nil
}

// writeMemtierJSON writes --json-out-file: the runs of one test in
// memtier_benchmark's JSON layout.
func writeMemtierJSON(path string, runs []*results.Run, out outputPlan) error {
	opts := report.MemtierOptions{
		Percentiles:   out.percentiles,
		AllRuns:       out.printAllRuns,
		HideHistogram: out.hideHistogram,
		Interrupted:   out.interrupted,
	}
	if err := writeFile(path, func(w io.Writer) error { return report.WriteMemtierJSON(w, runs, opts) }); err != nil {
		return fmt.Errorf("--json-out-file: %w", err)
	}
	return nil
}

// writeFile writes path through fn, reporting the first error of writing or
// closing.
func writeFile(path string, fn func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := fn(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// checkOutputDir checks, before a run, that the directory a file will be
// written to after it exists, so that a long run does not end in a failed
// write. An empty path is not written and passes.
func checkOutputDir(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("directory %s: %w", dir, errors.Unwrap(err))
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// startCPUProfile profiles amrbench itself into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, errors.Join(errors.New("start CPU profile"), err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
