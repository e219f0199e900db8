package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amrbench/amrbench/results"
)

// fileNames are the files a run writes into its run directory, besides a
// percentile distribution per command (<COMMAND>.hgrm).
var fileNames = []string{results.FileName, "summary.txt", "report.html", "intervals.hlog"}

// CheckFree refuses a directory that holds a file of the names a run
// writes (result.jsonl, summary.txt, report.html, intervals.hlog, *.hgrm),
// so that no run overwrites a file it did not write: another run's, or a
// report someone put there. A directory that does not exist yet, or holds
// other files only, is free. Its errors begin with dir.
func CheckFree(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", dir, errors.Unwrap(err))
	}
	var taken []string
	for _, e := range entries {
		if slices.Contains(fileNames, e.Name()) || strings.HasSuffix(e.Name(), ".hgrm") {
			taken = append(taken, e.Name())
		}
	}
	switch {
	case len(taken) == 0:
		return nil
	case len(taken) == 1 && taken[0] == results.FileName && !holdsIntervals(filepath.Join(dir, results.FileName)):
		return fmt.Errorf("%s holds the result.jsonl of a run that stopped before it measured anything (no interval in it: it was killed while connecting); remove that file to use the directory again", dir)
	case slices.Contains(taken, results.FileName):
		return fmt.Errorf("%s already holds a result; choose another directory", dir)
	}
	return fmt.Errorf("%s already holds %s, which a run would overwrite; choose another directory, or move them", dir, strings.Join(taken, ", "))
}

// holdsIntervals reports whether the result file at path holds an interval
// record; a file that cannot be read as a result counts as holding some, so
// that nothing of it is taken for a leftover.
func holdsIntervals(path string) bool {
	run, err := results.ReadFile(path)
	return err != nil || len(run.Intervals) > 0
}

// WriteMerged writes a run that was not recorded as it ran (a merge of
// several) into dir: its result file — the header, then its intervals and
// events in time order, then sum, the summary computed from them — and
// every other file rendered from it, whose names it returns.
func WriteMerged(dir string, run *results.Run, sum *results.Summary, opts Options) ([]string, error) {
	if err := writeResult(dir, run, sum); err != nil {
		return nil, err
	}
	run.Summary = sum
	return render(dir, run, sum, opts)
}

// writeResult writes run's result file into dir, its records in time
// order and sum last.
func writeResult(dir string, run *results.Run, sum *results.Summary) error {
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

// CheckNewFile checks, before a run, that the directory path will be
// written to after it exists, so that a long run does not end in a failed
// write, and that no file is at path: a run never overwrites a file it did
// not write. An empty path is not written and passes.
func CheckNewFile(path string) error { return checkOutputFiles(path, existingFile) }

// CheckHDRPrefix checks --hdr-file-prefix prefix as CheckNewFile checks a
// file, for every file of it that is there already: prefix_<COMMAND>.hgrm
// and prefix.hlog.
func CheckHDRPrefix(prefix string) error { return checkOutputFiles(prefix, existingHDRFiles) }

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
