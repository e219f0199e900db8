package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/amrbench/amrbench/bench"
	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/blobresults"
	"github.com/amrbench/amrbench/internal/evidence"
	"github.com/amrbench/amrbench/internal/live"
	"github.com/amrbench/amrbench/internal/localserver"
	"github.com/amrbench/amrbench/internal/preamble"
	"github.com/amrbench/amrbench/internal/proclimits"
	"github.com/amrbench/amrbench/internal/rundir"
	"github.com/amrbench/amrbench/internal/stopsignal"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// execute runs a validated plan: start the embedded server if needed, open
// the target, run, and write every result file. It is long on purpose: the
// run's stages in order, each a few lines, read top to bottom.
func execute(ctx context.Context, env *environment, p *runPlan) error {
	embeddedText, filesPerConn, standIn := "", 1, false
	if p.embedded {
		srv, err := localserver.Start(ctx)
		if err != nil {
			return fmt.Errorf("start the embedded default server: %w", err)
		}
		defer srv.Close()
		p.cfg.Target.Host, p.cfg.Target.Port = srv.Host, srv.Port
		embeddedText = srv.Description()
		if standIn = srv.Kind == localserver.KindInProcess; standIn {
			filesPerConn = 2 // the server's end of each connection is in this process too
			// Its goroutines wait in Go's network poller: connections
			// that polled would starve them.
			if p.cfg.ReplyWait == transport.ReplyWaitPoll {
				fmt.Fprintf(env.stderr, "amrbench: --reply-wait %s: connections park, as the in-process server's goroutines would starve if they polled\n", p.cfg.ReplyWait)
			}
			p.cfg.ReplyWait = transport.ReplyWaitPark
			// It answers CLUSTER SLOTS with one shard of its own, but it is
			// one process in this one.
			if p.cfg.Target.ClusterPolicy == cluster.PolicyAuto {
				p.cfg.Target.ClusterPolicy = cluster.PolicyNonClustered
			}
		}
		fmt.Fprintf(env.stderr, "amrbench: no --server given: benchmarking %s, %s\n", srv.Addr(), embeddedText)
	}
	for _, n := range p.notes {
		fmt.Fprintf(env.stderr, "amrbench: %s\n", n)
	}
	for _, w := range p.warnings {
		fmt.Fprintf(env.stderr, "amrbench: warning: %s\n", w.detail)
	}
	wl, err := workloads.New(p.spec, p.cfg.Connections)
	if err != nil {
		return usageError{err}
	}
	target, err := bench.Open(ctx, p.cfg)
	if err != nil {
		return err
	}
	var closeOnce sync.Once
	closeTarget := func() { closeOnce.Do(func() { _ = target.Close() }) }
	defer closeTarget()
	if err := proclimits.CheckOpenFiles(filesPerConn * target.ConnectionPlan().Total()); err != nil {
		return err
	}

	info := target.Info()
	info.Embedded = embeddedText
	if standIn && info.ClusterPolicy == string(cluster.PolicyNonClustered) {
		info.PolicyReason = "the stand-in is part of amrbench, no cluster"
	}
	header, err := newHeader(p, info)
	if err != nil {
		return err
	}
	if clock, err := target.ReadClock(ctx); err == nil {
		header.Clock = clock
	}
	ev, err := evidence.Start(env.stderr, p.evidence, header)
	if err != nil {
		return err
	}
	defer ev.Close()
	header.Node, header.Pod = podPlacement(env)
	dir, createdDir, err := runDirectory(p.out.dir, header)
	if err != nil {
		return err
	}
	sink, err := openSink(p, header)
	if err != nil {
		return err
	}
	var tee io.Writer
	if sink != nil {
		tee = sink
	}
	out, err := rundir.Create(dir, createdDir, header, tee)
	if err != nil {
		return errors.Join(err, blobresults.Close(ctx, env.stderr, sink, dir))
	}
	defer out.Close()
	for _, w := range p.warnings { // said above; now on record
		if err := out.Writer.WriteEvent(&results.Event{Time: header.Start, Kind: results.EventWarning, Code: w.code, Detail: w.detail}); err != nil {
			return errors.Join(err, blobresults.Close(ctx, env.stderr, sink, dir))
		}
	}

	fmt.Fprintf(env.stderr, "amrbench: %s\n", preamble.Line(info, p.cfg, dir))
	if err := preamble.Connections(env.stderr, target, p.cfg.ConnectionLimit, out.Writer, header.Start, flagText); err != nil {
		return err
	}
	if err := preamble.Clock(env.stderr, out.Writer, header, p.cfg); err != nil {
		return err
	}
	if !p.cfg.StartAt.IsZero() {
		fmt.Fprintf(env.stderr, "amrbench: the measured window begins at %s (--start-at, in %s)\n",
			p.cfg.StartAt.Format(time.RFC3339Nano), time.Until(p.cfg.StartAt).Round(100*time.Millisecond))
	}
	obs := live.New(live.Options{Stderr: env.stderr, Terminal: env.stderrIsTerminal, Header: header, Writer: out.Writer,
		Quiet: p.out.quiet, Duration: p.cfg.Duration, Requests: p.cfg.SegmentRequests()})
	outcome, runErr := bench.Run(ctx, target, wl, ev.Observe(obs))
	// A signal that stopped the run before its planned end is recorded, so
	// a merge can tell a segment that stopped early.
	stop, stopped := stopsignal.StoppedBy(ctx)
	end := plannedEnd(p.cfg, outcome.Measured)
	early := stopsignal.Early(stop, stopped, end)
	if stopEv := stopsignal.Event(stop, early, end, outcome.Interrupted, outcome.End); stopEv != nil {
		if err := obs.Event(stopEv); err != nil {
			runErr = errors.Join(runErr, err)
		}
	}
	obs.Finish()
	// The connections are done with: closed before the reports are
	// written, their memory serves the reports (with thousands of
	// connections, the process's peak was here).
	closeTarget()
	p.out.terminated = early && stop.Signal == syscall.SIGTERM
	err = finishRun(ctx, env, p, ev, out, dir, outcome, runErr)
	err = errors.Join(err, blobresults.Close(ctx, env.stderr, sink, dir))
	if early {
		return stoppedEarly{stop: stop, err: err}
	}
	return err
}

// finishRun writes the summary and the other files of the run directory,
// and judges the run.
func finishRun(ctx context.Context, env *environment, p *runPlan, ev *evidence.Session, out *rundir.Files, dir string, outcome bench.Outcome, runErr error) error {
	if outcome.Start.IsZero() && out.DiscardUnmeasured() {
		// Failed or stopped while connecting: nothing to keep, and the
		// directory stays free for the next try.
		if runErr != nil {
			return runErr
		}
		return errors.New("the run stopped before it measured anything; it left no result file")
	}
	if runErr != nil && outcome.Start.IsZero() {
		return runErr // nothing was measured
	}
	if err := out.Failed(renderOptions(env, p.out)); err != nil {
		return err
	}
	ev.FetchAzure(ctx, env.stderr, out.Writer, outcome)
	p.out.interrupted = outcome.Interrupted
	sum, err := out.Finish(renderOptions(env, p.out))
	if err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	if outcome.Interrupted {
		fmt.Fprintf(env.stderr, "amrbench: interrupted after %.1f s measured; every finished interval is in %s\n", sum.DurationS, dir)
	}
	if !p.out.verdictExit && measuredVerdict(sum.Verdict) {
		if err := verdictError(sum.Verdict); err != nil {
			fmt.Fprintf(env.stderr, "amrbench: %v, recorded in the summary; exit 0 (--verdict-exit=false: the verdict of a split test is merge's)\n", units.OneLine(err))
		}
		return nil
	}
	return verdictError(sum.Verdict)
}
