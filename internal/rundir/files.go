package rundir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/amrbench/amrbench/report"
	"github.com/amrbench/amrbench/report/memtier"
	"github.com/amrbench/amrbench/results"
)

// Files is a run directory being written: its result file, open.
type Files struct {
	dir string
	// createdDir says the run made dir: it did not exist before.
	createdDir bool
	file       *guardedFile
	// Writer writes the records of result.jsonl.
	Writer *results.Writer
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

// Create creates result.jsonl in dir and writes the header; createdDir says
// the run made dir. Every record is also written to tee, if not nil (the
// container's sink, which never blocks), after the file has it.
func Create(dir string, createdDir bool, h *results.Header, tee io.Writer) (*Files, error) {
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
	out := &Files{dir: dir, createdDir: createdDir, file: g, Writer: results.NewWriter(w)}
	if err := out.Writer.WriteHeader(h); err != nil {
		f.Close()
		return nil, err
	}
	return out, nil
}

// Close closes the result file.
func (o *Files) Close() { _ = o.file.Close() }

// DiscardUnmeasured removes result.jsonl when it holds no interval — the
// run failed or stopped while it opened its connections, and the file has
// a header and perhaps events, which the user saw as they happened — and
// the run directory too when the run made it and nothing else is in it. A
// header-only file would block the directory's reuse for nothing (a run
// refuses a directory with a result), and report refuses it anyway. It
// returns whether it removed the file.
func (o *Files) DiscardUnmeasured() bool {
	o.Close()
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

// Options say how a run directory's files are rendered.
type Options struct {
	// Stdout gets the summary; Stderr the line naming the files written.
	Stdout, Stderr io.Writer
	// Percentiles are the summary's columns; empty: the run's own.
	Percentiles []float64
	// HDRPrefix is memtier's --hdr-file-prefix; empty: none.
	HDRPrefix string
	// JSONOut is memtier's --json-out-file, written with Memtier's
	// options; empty: none.
	JSONOut string
	Memtier memtier.Options
	// Generator names the program in report.html.
	Generator string
	// Judge completes the summary's verdict (its exit status) before the
	// summary is written or shown.
	Judge func(*results.Summary)
}

// Failed returns nil while every write to the result file succeeded.
// Otherwise it ends the run there: what reached the file stays readable (a
// reader reports a cut last line); its summary is printed, and nothing else
// is written, as it would not fit either. The error says what is kept and
// what is missing.
func (o *Files) Failed(opts Options) error {
	werr := o.file.failed()
	if werr == nil {
		return nil
	}
	path := filepath.Join(o.dir, results.FileName)
	kept := "nothing measured"
	if run, err := results.ReadFile(path); err == nil && len(run.Intervals) > 0 {
		kept = fmt.Sprintf("the %d intervals before it stay readable in it", len(run.Intervals))
		if sum, err := run.Summarize(); err == nil {
			opts.Judge(sum)
			_ = report.WriteSummary(opts.Stdout, run, sum, opts.Percentiles)
		}
	}
	return fmt.Errorf("could not write the result file (%w): the run stopped there; %s; not written: its summary, summary.txt, report.html, the .hgrm and .hlog files (amrbench report %s renders them from it, --format html -o FILE the report)", werr, kept, o.dir)
}

// Finish reads the result file back, appends the summary computed from it,
// and renders every other file of the run directory from it, so that the
// files always agree with result.jsonl. It prints the summary on Stdout.
func (o *Files) Finish(opts Options) (*results.Summary, error) {
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
	opts.Judge(sum)
	if err := o.Writer.WriteSummary(sum); err != nil {
		return nil, err
	}
	if err := o.file.Sync(); err != nil {
		return nil, fmt.Errorf("write result file: %w", err)
	}
	run.Summary = sum
	if err := report.WriteSummary(opts.Stdout, run, sum, opts.Percentiles); err != nil {
		return nil, err
	}
	files, err := render(o.dir, run, sum, opts)
	if err != nil {
		return nil, err
	}
	if opts.HDRPrefix != "" {
		if _, err := writeHDRFiles(opts.HDRPrefix+"_", opts.HDRPrefix+".hlog", run); err != nil {
			return nil, fmt.Errorf("--hdr-file-prefix: %w", err)
		}
	}
	if opts.JSONOut != "" {
		if err := writeMemtierJSON(opts.JSONOut, []*results.Run{run}, opts.Memtier); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(opts.Stderr, "amrbench: wrote %s\n", strings.Join(files, ", "))
	return sum, nil
}

// render writes summary.txt, report.html, the .hgrm files and
// intervals.hlog into dir from run, and returns their names.
func render(dir string, run *results.Run, sum *results.Summary, opts Options) ([]string, error) {
	names := []string{results.FileName, "summary.txt", "report.html"}
	if err := writeNewFile(filepath.Join(dir, "summary.txt"), func(w io.Writer) error {
		return report.WriteSummary(w, run, sum, opts.Percentiles)
	}); err != nil {
		return nil, err
	}
	if err := writeNewFile(filepath.Join(dir, "report.html"), func(w io.Writer) error {
		return report.WriteHTML(w, run, sum, report.HTMLOptions{Percentiles: opts.Percentiles, Generator: opts.Generator})
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
func writeMemtierJSON(path string, runs []*results.Run, opts memtier.Options) error {
	if err := writeNewFile(path, func(w io.Writer) error { return memtier.WriteJSON(w, runs, opts) }); err != nil {
		return fmt.Errorf("--json-out-file: %w", err)
	}
	return nil
}

// WriteFile writes path through fn, replacing the file if there is one (a
// file the user named for this output, as report -o), and reports the first
// error of writing or closing.
func WriteFile(path string, fn func(io.Writer) error) error {
	return writeFileFlags(path, os.O_TRUNC, fn)
}

// writeNewFile writes path through fn, as WriteFile does, but fails if the
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

// Series sums up a repeated test (memtier's --run-count) whose runs are in
// dirs, each a run directory under base: the runs that measured, side by
// side on Stdout and in base/runs.txt (when there are several), and
// JSONOut over all of them. A run stopped before its measured window is
// left out.
func Series(base string, dirs []string, opts Options) error {
	var runs []*results.Run
	var names []string
	for _, dir := range dirs {
		run, err := results.ReadFile(filepath.Join(dir, results.FileName))
		if err != nil {
			return fmt.Errorf("read back %s: %w", dir, err)
		}
		if run.Summary == nil { // stopped before its measured window
			continue
		}
		runs = append(runs, run)
		names = append(names, filepath.Base(dir))
	}
	if len(runs) == 0 {
		return nil
	}
	if len(runs) > 1 {
		fmt.Fprintln(opts.Stdout)
		if err := memtier.WriteRuns(opts.Stdout, runs, names, opts.Percentiles); err != nil {
			return err
		}
		path := filepath.Join(base, "runs.txt")
		if err := writeNewFile(path, func(w io.Writer) error { return memtier.WriteRuns(w, runs, names, opts.Percentiles) }); err != nil {
			return err
		}
		fmt.Fprintf(opts.Stderr, "amrbench: wrote %s\n", path)
	}
	if opts.JSONOut != "" {
		return writeMemtierJSON(opts.JSONOut, runs, opts.Memtier)
	}
	return nil
}
