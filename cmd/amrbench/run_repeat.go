package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/internal/settings"
	"github.com/amrbench/amrbench/results"
)

// executeRuns runs the test p.runs times (memtier's --run-count), each run
// into run-<i> of one directory, then prints the runs side by side and
// writes --json-out-file over all of them, as memtier does: best, worst and
// aggregated. A run that fails, or an interruption, ends the series; the
// runs finished so far are still summed up.
func executeRuns(ctx context.Context, env *environment, p *runPlan) error {
	base := p.out.dir
	if base == "" {
		base = filepath.Join("amrbench-results", time.Now().UTC().Format("20060102T150405Z")+"-"+safeName(runLabel(p)))
	}
	var dirs []string
	var runErr error
	interrupted := false
	for i := 1; i <= p.runs; i++ {
		rp := *p
		rp.out.dir = filepath.Join(base, fmt.Sprintf("run-%d", i))
		rp.out.jsonOut = "" // written once, over every run
		if p.out.hdrPrefix != "" {
			rp.out.hdrPrefix = fmt.Sprintf("%s_run_%d", p.out.hdrPrefix, i)
		}
		if !p.seedGiven { // each run draws its own keys, unless --seed fixes them
			rp.spec.Seed = uint64(time.Now().UnixNano())
		}
		if i > 1 {
			rp.notes = nil // said before the first run
		}
		fmt.Fprintf(env.stderr, "amrbench: run %d of %d, into %s\n", i, p.runs, rp.out.dir)
		runErr = execute(ctx, env, &rp)
		if _, err := os.Stat(filepath.Join(rp.out.dir, results.FileName)); err == nil {
			dirs = append(dirs, rp.out.dir)
		}
		interrupted = rp.out.interrupted || ctx.Err() != nil
		if runErr != nil || interrupted {
			break
		}
	}
	out := p.out
	out.interrupted = interrupted
	if err := rundir.Series(base, dirs, renderOptions(env, out)); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

// runLabel is the label a run is given: --label, or the target's host, or
// "embedded" for the local server started for the run.
func runLabel(p *runPlan) string {
	switch {
	case p.out.label != "":
		return p.out.label
	case p.embedded:
		return "embedded"
	}
	return p.cfg.Target.Host
}

// writeConfig prints the resolved configuration (--show-config), as the
// result file's header records it: every setting of the run and of the
// workload by its name in result.jsonl, one per line. Secrets are never
// encoded, so never printed.
func writeConfig(w io.Writer, p *runPlan) error {
	lines := append(settings.Lines("", p.cfg), settings.Lines("workload.", p.spec)...)
	host := p.cfg.Target.Host
	if p.embedded {
		host = "a local server started for the run"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Configuration (target %s; secrets are never shown):\n", host)
	for _, l := range lines {
		if len(p.spec.Commands) > 0 && (strings.HasPrefix(l, "workload.ratio ") || strings.HasPrefix(l, "workload.key_pattern ")) {
			continue // the commands replace the SET/GET mix
		}
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
