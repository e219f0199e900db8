package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/pipeline"
	"github.com/amrbench/amrbench/bench/reauth"
	"github.com/amrbench/amrbench/results/segment"
	"github.com/amrbench/amrbench/workloads"
)

// minPreloadPipeline is the least pipeline depth the preload uses: it is not
// measured, so it goes as fast as pipelining allows.
const minPreloadPipeline = 64

// preload writes every key of the segment's share of the workload's key
// range once, as the workload's SETs would (same value sizes, contents and
// expiry), splitting it between the connections. It reports progress to obs
// if obs implements Progress, and returns the number of keys written. With
// Entra ID, the connections get new tokens as they go.
func preload(ctx context.Context, sessions []session, wl *workloads.Workload, seg segment.Segment, runDepth int, obs Observer, auth *reauth.Auth) (int64, error) {
	spec := wl.Spec()
	spec.Commands = nil // the keys are written as strings, whatever the workload sends
	spec.Ratio = workloads.Ratio{Sets: 1}
	spec.KeyPattern = workloads.KeyPatterns{Set: workloads.Parallel, Get: workloads.Parallel}
	lo, hi := seg.Share(spec.KeyCount())
	if hi == lo {
		return 0, nil // more segments than keys: another segment has them all
	}
	spec.KeyMinimum, spec.KeyMaximum = spec.KeyMinimum+lo, spec.KeyMinimum+hi-1
	total := spec.KeyCount()
	conns := min(uint64(len(sessions)), total)
	loader, err := workloads.New(spec, int(conns))
	if err != nil {
		return 0, fmt.Errorf("preload: %w", err)
	}
	depth := max(runDepth, minPreloadPipeline)

	var written, failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	stopProgress := reportProgress(obs, StagePreload, &written, int64(total))
	var wg sync.WaitGroup
	for i := range int(conns) {
		_, count := workloads.ParallelSlice(spec.KeyMinimum, total, i, int(conns))
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := preloadConnection(ctx, sessions[i], loader.Generator(i, int(conns)), count, depth, &written, &failed, auth)
			if err != nil {
				errOnce.Do(func() { firstErr = err })
			}
		}()
	}
	wg.Wait()
	stopProgress()
	if n := failed.Load(); n > 0 {
		return written.Load(), fmt.Errorf("preload: %d of %d SETs failed, the first with: %w", n, total, firstErr)
	}
	if err := ctx.Err(); err != nil {
		return written.Load(), errors.Join(errors.New("preload interrupted"), err)
	}
	return written.Load(), nil
}

func preloadConnection(ctx context.Context, sess session, gen *workloads.Generator, count uint64, depth int, written, failed *atomic.Int64, auth *reauth.Auth) error {
	calls := make([]*pipeline.Call, depth)
	for i := range calls {
		if sess.shards() != nil {
			calls[i] = pipeline.NewClusterCall(64, nil) // SET replies are "+OK"
		} else {
			calls[i] = pipeline.NewCall(nil, nil) // SETs only: no GET value to drain
		}
	}
	cmds := make([]redis.Cmder, depth)
	var firstErr error
	for done := uint64(0); done < count && ctx.Err() == nil; {
		// A long preload sends new tokens as the workers do.
		reauthIdle(ctx, auth, sess)
		n := int(min(uint64(depth), count-done))
		for i := range n {
			gen.Next(&calls[i].Op)
			cmds[i] = calls[i].Prepare()
		}
		_ = sess.exec(ctx, cmds[:n])
		broken, clusterDown := false, false
		for i := range n {
			if out, _, class, brokenConn := calls[i].Result(); out == pipeline.Failed {
				failed.Add(1)
				if firstErr == nil {
					firstErr = cmds[i].Err()
				}
				broken = broken || brokenConn
				clusterDown = clusterDown || failure.TopologySuspect(class)
			}
		}
		if broken {
			sess.reopen()
			_ = sess.reconnect(ctx) // if it fails, so do the next SETs, which stops the preload
		}
		if clusterDown {
			sess.suspectTopology()
		}
		written.Add(int64(n))
		done += uint64(n)
	}
	return firstErr
}

// reportProgress tells obs, if it implements Progress, how far *done has come
// out of total, five times a second, until the returned stop is called.
func reportProgress(obs Observer, stage string, done *atomic.Int64, total int64) (stop func()) {
	p, ok := obs.(Progress)
	if !ok {
		return func() {}
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	p.Progress(stage, done.Load(), total) // the stage's clock starts now, for its rate and time left
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				p.Progress(stage, done.Load(), total)
			case <-quit:
				p.Progress(stage, done.Load(), total)
				return
			}
		}
	}()
	return func() { close(quit); <-finished }
}
