package main

import (
	"errors"
	"os"
	"runtime/pprof"

	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/report/memtier"
	"github.com/amrbench/amrbench/results"
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
		Judge: func(s *results.Summary) {
			setExitCode(s)
			if out.terminated && s.Verdict != nil {
				s.Verdict.ExitCode = exitTerminated
			}
		},
	}
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
