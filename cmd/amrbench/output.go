package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/report/memtier"
	"github.com/amrbench/amrbench/results"
)

// runFileNames are the files a run writes into its run directory, besides
// a percentile distribution per command (<COMMAND>.hgrm).
var runFileNames = []string{results.FileName, "summary.txt", "report.html", "intervals.hlog"}

// runFiles is a run directory being written.
type runFiles struct {
	dir string
	// createdDir says the run made dir: it did not exist before.
	createdDir bool
	file       *guardedFile
	writer     *results.Writer
}

// guardedFile is the result file; it remembers the first write that failed
// (a full disk, a file-size limit), after which the run stops.
type guardedFile struct {
	*os.File
	mu  sync.Mutex
	err error
}

func (g *guardedFile) Write(p []byte) (int, error) {
	n, err := g.File.Write(p)
	if err != nil {
		g.mu.Lock()
		if g.err == nil {
			g.err = err
		}
		g.mu.Unlock()
	}
	return n, err
}

// failed returns the first write error, or nil.
func (g *guardedFile) failed() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// createRunFiles creates result.jsonl in dir and writes the header. Every
// record is also written to tee, if not nil (the container's sink, which
// never blocks), after the file has it.
func createRunFiles(dir string, createdDir bool, h *results.Header, tee io.Writer) (*runFiles, error) {
	path := filepath.Join(dir, results.FileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create result file: %w", err)
	}
	g := &guardedFile{File: f}
	var w io.Writer = g
	if tee != nil {
		w = io.MultiWriter(g, tee)
	}
	out := &runFiles{dir: dir, createdDir: createdDir, file: g, writer: results.NewWriter(w)}
	if err := out.writer.WriteHeader(h); err != nil {
		f.Close()
		return nil, err
	}
	return out, nil
}

func (o *runFiles) close() { _ = o.file.Close() }

// discardUnmeasured removes result.jsonl when it holds no interval — the
// run failed or stopped while it opened its connections, and the file has
// a header and perhaps events, which the user saw as they happened — and
// the run directory too when the run made it and nothing else is in it. A
// header-only file would block the directory's reuse for nothing (a run
// refuses a directory with a result), and report refuses it anyway. It
// returns whether it removed the file.
func (o *runFiles) discardUnmeasured() bool {
	o.close()
	path := filepath.Join(o.dir, results.FileName)
	if holdsIntervals(path) {
		return false
	}
	if err := os.Remove(path); err != nil {
		return false
	}
	if o.createdDir {
		_ = os.Remove(o.dir) // only if empty
	}
	return true
}

// writeFailure ends a run whose result file could not be written: the run
// stopped at the first write that failed. What reached the file stays
// readable (a reader reports a cut last line); its summary is printed, and
// nothing else is written, as it would not fit either. The error says what
// is kept and what is missing.
func (o *runFiles) writeFailure(env *environment, out outputPlan, werr error) error {
	path := filepath.Join(o.dir, results.FileName)
	kept := "nothing measured"
	if run, err := results.ReadFile(path); err == nil && len(run.Intervals) > 0 {
		kept = fmt.Sprintf("the %d intervals before it stay readable in it", len(run.Intervals))
		if sum, err := run.Summarize(); err == nil {
			setExitCode(sum)
			_ = report.WriteSummary(env.stdout, run, sum, out.percentiles)
		}
	}
	return fmt.Errorf("could not write the result file (%w): the run stopped there; %s; not written: its summary, summary.txt, report.html, the .hgrm and .hlog files (amrbench report %s renders them from it, --format html -o FILE the report)", werr, kept, o.dir)
}

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
	if err := writeNewFile(filepath.Join(dir, "summary.txt"), func(w io.Writer) error {
		return report.WriteSummary(w, run, sum, percentiles)
	}); err != nil {
		return nil, err
	}
	if err := writeNewFile(filepath.Join(dir, "report.html"), func(w io.Writer) error {
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
			if err := writeNewFile(path, func(w io.Writer) error { return report.WritePercentiles(w, k.hist) }); err != nil {
				return nil, err
			}
			names = append(names, filepath.Base(path))
		}
	}
	if err := writeNewFile(hlogPath, func(w io.Writer) error {
		return report.WriteIntervalLog(w, run, results.LatencyResponse)
	}); err != nil {
		return nil, err
	}
	return append(names, filepath.Base(hlogPath)), nil
}

// writeMemtierJSON writes --json-out-file: the runs of one test in
// memtier_benchmark's JSON layout.
func writeMemtierJSON(path string, runs []*results.Run, out outputPlan) error {
	opts := memtier.Options{
		Percentiles:   out.percentiles,
		AllRuns:       out.printAllRuns,
		HideHistogram: out.hideHistogram,
		Interrupted:   out.interrupted,
	}
	if err := writeNewFile(path, func(w io.Writer) error { return memtier.WriteJSON(w, runs, opts) }); err != nil {
		return fmt.Errorf("--json-out-file: %w", err)
	}
	return nil
}

// writeFile writes path through fn, replacing the file if there is one (a
// file the user named for this output, as report -o), and reports the first
// error of writing or closing.
func writeFile(path string, fn func(io.Writer) error) error {
	return writeFileFlags(path, os.O_TRUNC, fn)
}

// writeNewFile writes path through fn, as writeFile does, but fails if the
// file exists: a run never overwrites a file it did not write.
func writeNewFile(path string, fn func(io.Writer) error) error {
	return writeFileFlags(path, os.O_EXCL, fn)
}

func writeFileFlags(path string, flags int, fn func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flags, 0o644)
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

// checkOutputFiles checks, before a run, that the directory the files of
// path will be written to after it exists, so that a long run does not end
// in a failed write, and that none of those files (found by existing) is
// there already: a run never overwrites a file it did not write. An empty
// path is not written and passes.
func checkOutputFiles(path string, existing func(path string) []string) error {
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
	if taken := existing(path); len(taken) > 0 {
		return fmt.Errorf("%s exists, and a run overwrites no file: choose another name, or move it", strings.Join(taken, ", "))
	}
	return nil
}

// existingFile returns path if a file is there.
func existingFile(path string) []string {
	if _, err := os.Lstat(path); err == nil {
		return []string{path}
	}
	return nil
}

// existingHDRFiles returns the files of --hdr-file-prefix prefix that are
// there already: prefix_<COMMAND>.hgrm and prefix.hlog.
func existingHDRFiles(prefix string) []string {
	found := existingFile(prefix + ".hlog")
	entries, _ := os.ReadDir(filepath.Dir(prefix)) // checked by checkOutputFiles
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), filepath.Base(prefix)+"_") && strings.HasSuffix(e.Name(), ".hgrm") {
			found = append(found, filepath.Join(filepath.Dir(prefix), e.Name()))
		}
	}
	return found
}

// startCPUProfile profiles amrbench itself into path until stop is called.
// An existing file is not overwritten.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, errors.Join(errors.New("start CPU profile"), err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
