package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/report/memtier"
)

// renderOptions are how a run's files are rendered, from its output plan.
func renderOptions(env *environment, out outputPlan) rundir.Options {
	t := toolInfo()
	return rundir.Options{
		Stdout: env.stdout, Stderr: env.stderr,
		Percentiles: out.percentiles,
		HDRPrefix:   out.hdrPrefix,
		JSONOut:     out.jsonOut,
		Memtier: memtier.Options{
			Percentiles:   out.percentiles,
			AllRuns:       out.printAllRuns,
			HideHistogram: out.hideHistogram,
			Interrupted:   out.interrupted,
		},
		Generator: t.Name + " " + t.Version,
		Judge:     setExitCode,
	}
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
