package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amrbench/amrbench/workloads"
)

// Progress is an optional interface of an Observer: it is told how far a
// long stage (opening connections, preloading) has come.
type Progress interface {
	Progress(stage string, done, total int64)
}

// Progress stages.
const (
	StageConnect = "connect"
	StagePreload = "preload"
)

// Outcome tells how a run went.
type Outcome struct {
	// Start is when load began (the start of the warmup, if any); Measured is
	// when the measured window began; End is when the last reply arrived.
	Start, Measured, End time.Time
	// Interrupted is set when ctx was cancelled before the run's end.
	Interrupted bool
	// Preloaded is the number of keys written by the preload.
	Preloaded int64
}

// Run opens cfg.Connections connections to t, preloads if asked, then drives
// the workload until the duration or the request count is reached or ctx is
// cancelled, reporting every interval to obs. A cancelled ctx ends the run
// cleanly: operations in flight complete and are recorded, and every
// interval up to that point is reported.
func Run(ctx context.Context, t *Target, wl *workloads.Workload, obs Observer) (Outcome, error) {
	cfg := t.cfg
	var out Outcome
	sessions, err := openSessions(ctx, t, obs)
	defer func() {
		for _, s := range sessions {
			s.close()
		}
	}()
	if err != nil {
		return out, err
	}
	if cfg.Preload {
		n, err := preload(ctx, sessions, wl, cfg.Pipeline, obs)
		out.Preloaded = n
		if err != nil {
			return out, err
		}
	}
	if ctx.Err() != nil {
		out.Interrupted = true
		return out, nil
	}

	spec := wl.Spec()
	var kinds []workloads.OpKind
	if spec.Ratio.Sets > 0 {
		kinds = append(kinds, workloads.Set)
	}
	if spec.Ratio.Gets > 0 {
		kinds = append(kinds, workloads.Get)
	}
	out.Start = time.Now()
	out.Measured = out.Start.Add(cfg.Warmup)
	// No command can be stuck longer than a reconnect and a write and a read.
	maxLag := cfg.ConnectTimeout + 2*cfg.Timeout + time.Second
	rec := newRecorder(out.Start, cfg.Warmup, cfg.Interval, maxLag, cfg.Connections, kinds, obs, t.OpenConnections)
	if cfg.Duration > 0 {
		// Known in advance, so no worker starts an interval past the end.
		rec.stopAt(out.Measured.Add(cfg.Duration))
	}
	recDone := make(chan error, 1)
	go func() { recDone <- rec.run() }()

	var stop atomic.Bool
	var wg sync.WaitGroup
	workersDone := make(chan struct{})
	for i, sess := range sessions {
		quota := int64(-1)
		if cfg.Requests > 0 {
			quota = cfg.Requests / int64(cfg.Connections)
			if int64(i) < cfg.Requests%int64(cfg.Connections) {
				quota++
			}
		}
		w := newWorker(i, wl.Generator(i, cfg.Connections), sess, rec, &stop, cfg.Pipeline, spec.MaxValueSize(), quota)
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(context.WithoutCancel(ctx))
		}()
	}
	go func() { wg.Wait(); close(workersDone) }()

	var deadline <-chan time.Time
	if cfg.Duration > 0 {
		timer := time.NewTimer(time.Until(out.Measured.Add(cfg.Duration)))
		defer timer.Stop()
		deadline = timer.C
	}
	var recErr error
	select {
	case <-deadline:
	case <-ctx.Done():
		rec.stopAt(time.Now())
		out.Interrupted = true
	case <-workersDone:
	case recErr = <-recDone:
		rec.stopAt(time.Now())
		recDone = nil
	}
	stop.Store(true)
	<-workersDone
	if recDone != nil {
		recErr = <-recDone
	}
	out.End = rec.runEnd
	if recErr != nil {
		return out, fmt.Errorf("record results: %w", recErr)
	}
	return out, nil
}

// openSessions opens every connection before the measured window, at most
// cfg.ConnectConcurrency at a time, each authenticated before the next one
// is dialled.
func openSessions(ctx context.Context, t *Target, obs Observer) ([]session, error) {
	cfg := t.cfg
	sessions := make([]session, cfg.Connections)
	for i := range sessions {
		sessions[i] = t.newSession()
	}
	progress, _ := obs.(Progress)
	var opened atomic.Int64
	var failed atomic.Bool
	var firstErr error
	var errOnce sync.Once
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(cfg.ConnectConcurrency, cfg.Connections) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				octx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout+cfg.Timeout)
				err := sessions[i].open(octx)
				cancel()
				if err != nil {
					errOnce.Do(func() {
						firstErr = fmt.Errorf("open connection %d of %d: %w", i+1, cfg.Connections, explainConnectError(cfg.Target, err))
					})
					failed.Store(true)
					continue
				}
				n := opened.Add(1)
				if progress != nil {
					progress.Progress(StageConnect, n, int64(cfg.Connections))
				}
			}
		}()
	}
feed:
	for i := range sessions {
		if failed.Load() {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return sessions, firstErr
	}
	if err := ctx.Err(); err != nil {
		return sessions, errors.Join(errors.New("interrupted while opening connections"), err)
	}
	return sessions, nil
}
