package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amrbench/amrbench/bench/openloop"
	"github.com/amrbench/amrbench/bench/record"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
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
	// ReplyWaits tells how the connections waited for replies (zero when
	// they always parked).
	ReplyWaits transport.ReplyWaitStats
	// Connected is how long opening the connections took.
	Connected time.Duration
}

// Observer receives a run's records as they are finalized: intervals in
// order, and events (record.Observer).
type Observer = record.Observer

// Run opens cfg.Connections connections to t (its segment's share of them),
// preloads if asked, waits for cfg.StartAt if set, then drives the workload
// until the duration or the request count is reached or ctx is cancelled,
// reporting every interval to obs. A cancelled ctx ends the run
// cleanly: operations in flight complete and are recorded, and every
// interval up to that point is reported.
//
// Run is long on purpose: it is the run's one sequence of stages, read top
// to bottom.
func Run(ctx context.Context, t *Target, wl *workloads.Workload, obs Observer) (Outcome, error) {
	cfg := t.cfg
	var out Outcome
	t.events.attach(obs)
	defer t.events.detach()
	defer func() { t.entra.EndWaves(time.Now()) }()
	opening := time.Now()
	sessions, err := openSessions(ctx, t, obs)
	defer func() {
		for _, s := range sessions {
			s.close()
		}
	}()
	if err != nil {
		return out, err
	}
	out.Connected = time.Since(opening)
	if err := obs.Event(connectEvent(cfg, len(sessions), out.Connected, time.Now())); err != nil {
		return out, err
	}
	if cfg.Preload {
		n, err := preload(ctx, sessions, wl, cfg.Segment, cfg.Pipeline, obs, t.entra)
		out.Preloaded = n
		if err != nil {
			return out, err
		}
	}
	if ctx.Err() != nil {
		out.Interrupted = true
		return out, nil
	}

	onTime, err := waitForStart(ctx, cfg, obs)
	if err != nil {
		out.Interrupted = true
		return out, nil
	}
	out.Start = time.Now()
	if onTime {
		// The load starts at the agreed instant, though the workers begin
		// a moment after it: operations due in between are sent late (and
		// counted as late past the threshold), never skipped.
		out.Start = cfg.StartAt.Add(-cfg.Warmup)
	}
	out.Measured = out.Start.Add(cfg.Warmup)
	if !cfg.StartAt.IsZero() {
		out.Measured = cfg.StartAt
	}
	// No command can be stuck longer than a reconnect and a write and a read.
	maxLag := cfg.ConnectTimeout + 2*cfg.Timeout + time.Second
	var plan *openloop.Plan
	var tap *stepTap
	if cfg.OpenLoop() {
		if cfg.FindMax {
			tap = &stepTap{Observer: obs, notify: make(chan struct{}, 1)}
			obs = tap
		}
		plan = openloop.NewPlan(len(sessions))
	}
	rec := record.New(out.Start, out.Measured, cfg.Interval, maxLag, len(sessions), wl.EmittedStats(), obs, t.OpenConnections)
	rec.LateThreshold = cfg.LateThreshold
	rec.Shards = t.shardRegistry()
	if t.entra != nil {
		rec.Reauth = t.entra.Shared()
	}
	rec.CountReopened(t.conns.Reopened)
	rec.MaxErrorRate = cfg.MaxErrorRate
	if t.waits != nil {
		rec.ReplyWaits = t.waits.Summary
	}
	rec.Secrets = []string{cfg.Target.Password}
	if t.cluster != nil {
		stopWatch := watchTopology(ctx, t, obs, out.Start)
		defer stopWatch()
	}
	scheduleEnd(&cfg, plan, rec, out.Start, out.Measured)
	stats := t.startServerStats(ctx, obs, rec)
	var stop atomic.Bool
	workers, closeWorkers, err := newWorkers(&cfg, sessions, wl, rec, &stop, plan != nil)
	defer closeWorkers()
	if err != nil {
		return out, err
	}

	recDone := make(chan error, 1)
	go func() { recDone <- rec.Run() }()
	t.waits.Start() // the connections are open: polling may begin
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Cancelling ctx stops the run through the stop flag; the
			// operations in flight must complete, so they never see it.
			wctx := context.WithoutCancel(ctx)
			if plan != nil {
				w.runOpen(wctx, plan)
			} else {
				w.runClosed(wctx)
			}
		}()
	}
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	searchDone := make(chan struct{})
	if cfg.FindMax {
		go func() {
			defer close(searchDone)
			runSearch(&cfg, plan, tap, out.Measured, rec, &stop)
		}()
	} else {
		close(searchDone)
	}

	// A closed loop stops at the deadline. An open loop needs no deadline:
	// its steps end by themselves, and a worker still behind its schedule at
	// a step's end (by more than a short grace, dropGrace) drops the
	// operations it has not sent (counted as dropped), so the run ends at
	// its duration, plus at most the grace and the replies in flight.
	var deadline <-chan time.Time
	if cfg.Duration > 0 && plan == nil {
		timer := time.NewTimer(time.Until(out.Measured.Add(cfg.Duration)))
		defer timer.Stop()
		deadline = timer.C
	}
	var recErr error
	select {
	case <-deadline:
	case <-ctx.Done():
		rec.StopAt(time.Now())
		out.Interrupted = true
	case <-workersDone:
	case recErr = <-recDone:
		rec.StopAt(time.Now())
		recDone = nil
	case <-rec.Failed(): // nothing more can be recorded: stop now
		rec.StopAt(time.Now())
	}
	stop.Store(true)
	if plan != nil {
		plan.Finish()
		for _, w := range workers {
			w.waiter.Interrupt()
		}
	}
	<-workersDone
	t.waits.Stop()           // the load is over
	statsErr := stats.stop() // its last reading ends with the load
	<-searchDone
	if recDone != nil {
		recErr = <-recDone
	}
	out.End = rec.RunEnd()
	out.ReplyWaits = t.waits.Summary()
	if e := replyWaitEvent(out.ReplyWaits, out.End); e != nil {
		t.events.emit(e)
	}
	if recErr != nil {
		return out, fmt.Errorf("record results: %w", recErr)
	}
	return out, statsErr
}

// scheduleEnd tells the recorder the phase of every moment of an open loop
// and, when it is known in advance, the run's end, so that no worker starts
// an interval past it.
func scheduleEnd(cfg *Config, plan *openloop.Plan, rec *record.Recorder, start, measured time.Time) {
	if plan == nil {
		if cfg.Duration > 0 {
			rec.StopAt(measured.Add(cfg.Duration))
		}
		return
	}
	// A segment sends its connections' share of every step's rate.
	share := cfg.SegmentShare()
	rec.PhaseAt = func(at time.Time) (string, float64) {
		switch s, draining := plan.At(at); {
		case s == nil:
			return results.PhaseIdle, 0
		case draining: // the step's late operations; none is due
			return s.Phase, 0
		default:
			return s.Phase, s.Rate * share
		}
	}
	if end := planFixedSteps(plan, cfg, start, measured); !end.IsZero() {
		rec.StopAt(end)
	}
}

// newWorkers makes one worker per session, each driving connection
// firstConn+i of the whole test: a segment's connections send exactly what
// the same connections of an unsplit run would. An open loop's workers get
// a Waiter each; closeAll releases them.
func newWorkers(cfg *Config, sessions []session, wl *workloads.Workload, rec *record.Recorder, stop *atomic.Bool, openLoop bool) (workers []*worker, closeAll func(), err error) {
	workers = make([]*worker, 0, len(sessions))
	closeAll = func() {
		for _, w := range workers {
			if w.waiter != nil {
				w.waiter.Close()
			}
		}
	}
	firstConn, _ := cfg.SegmentConnections()
	spec := wl.Spec()
	maxValue := spec.MaxValueSize()
	for i, sess := range sessions {
		conn := firstConn + i
		w := newWorker(i, cfg.Connections, wl.Generator(conn, cfg.Connections), sess, rec, stop, cfg.Pipeline, maxValue, cfg.ConnRequests(conn))
		w.testConn = conn
		if openLoop {
			if w.waiter, err = openloop.NewWaiter(); err != nil {
				return workers, closeAll, err
			}
			w.lateThreshold = cfg.LateThreshold
		}
		workers = append(workers, w)
	}
	return workers, closeAll, nil
}

// replyWaitEvent tells how a run's connections waited for their replies:
// nil when they always parked. Polling that had to stop carries the code
// results.WarnReplyWaitFallback. Neither is a warning: how amrbench waits
// is its own economy of CPU, which the client's CPU figures already show,
// so the event is recorded for whoever tunes amrbench, not printed.
func replyWaitEvent(rw transport.ReplyWaitStats, at time.Time) *results.Event {
	if rw.Polled == 0 && rw.Spells == 0 {
		return nil
	}
	e := &results.Event{Time: at.UTC(), Kind: results.EventReplyWait, Count: int64(rw.Spells)}
	if rw.Spells == 0 {
		e.Detail = fmt.Sprintf("the connections polled for their replies: %.1f %% of reads, %.2f polls that found nothing per reply", 100*(1-rw.ParkedShare()), rw.EmptiesPerPolledRead())
		return e
	}
	e.Code = results.WarnReplyWaitFallback
	e.Detail = fmt.Sprintf("replies were slow to come (a distant or busy server), so the connections stopped polling for them %s, which would have spent the client's CPU for nothing, and waited as Go does by default for %.1f %% of reads (at worst %s polls found nothing and %s found a reply; %.2f polls found nothing per reply polled)",
		units.Plural(rw.Spells, "time"), 100*rw.ParkedShare(), units.FormatInt(rw.WorstEmpties), units.FormatInt(rw.WorstReads), rw.EmptiesPerPolledRead())
	return e
}

// planFixedSteps publishes the steps known before the run: a warmup step,
// then one constant rate or a staircase. A search publishes its steps as it
// goes (runSearch). It returns when the last fixed step ends, or the zero
// time if the run's end is not known in advance.
//
// A run that starts after its measured window should have begun (late for
// --start-at) starts each step's schedule when it starts, not in the past:
// operations due before the run could send anything are not sent in one
// burst. The steps still end when they would have.
func planFixedSteps(plan *openloop.Plan, cfg *Config, start, measured time.Time) time.Time {
	first := cfg.FirstRate()
	if cfg.Warmup > 0 {
		plan.Add(&openloop.Step{Phase: results.PhaseWarmup, Rate: first, Start: start, End: measured})
	}
	switch {
	case cfg.FindMax:
		return time.Time{}
	case cfg.Ramp != nil:
		at := measured
		for i, r := range cfg.Ramp.Rates() {
			plan.Add(&openloop.Step{Phase: openloop.PhaseName(i, r), Rate: r, Start: later(at, start), End: at.Add(cfg.Ramp.StepDuration)})
			at = at.Add(cfg.Ramp.StepDuration)
		}
		plan.Finish()
		return at
	default:
		s := &openloop.Step{Rate: cfg.Rate, Start: later(measured, start), Count: uint64(cfg.Requests)}
		if cfg.Duration > 0 {
			s.End = measured.Add(cfg.Duration)
		}
		plan.Add(s)
		plan.Finish()
		return s.End
	}
}

// stepTap passes records on to an Observer and keeps the intervals of each
// phase, so a search can judge a step once its last interval is written.
type stepTap struct {
	Observer
	mu      sync.Mutex
	byPhase map[string][]*results.Interval
	lastEnd time.Time
	notify  chan struct{}
}

// Interval passes iv on and keeps it.
func (t *stepTap) Interval(iv *results.Interval) error {
	if err := t.Observer.Interval(iv); err != nil {
		return err
	}
	t.mu.Lock()
	if t.byPhase == nil {
		t.byPhase = map[string][]*results.Interval{}
	}
	t.byPhase[iv.Phase] = append(t.byPhase[iv.Phase], iv)
	t.lastEnd = iv.End
	t.mu.Unlock()
	select {
	case t.notify <- struct{}{}:
	default:
	}
	return nil
}

// awaitThrough waits until every interval ending at or before end has been
// written, or the run stops.
func (t *stepTap) awaitThrough(end time.Time, stop *atomic.Bool) bool {
	for !stop.Load() {
		t.mu.Lock()
		done := !t.lastEnd.Before(end.UTC())
		t.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-t.notify:
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

func (t *stepTap) phase(p string) []*results.Interval {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byPhase[p]
}

// runSearch runs the steps of --find-max: each step starts at an interval
// boundary, runs StepDuration, and is judged once all its operations are
// done and their intervals written; the judgment picks the next rate. A step
// the client or the server could not keep up with leaves operations due when
// it ends: the intervals in which they are done are the step's too (plan.at),
// so it is judged with them, and the next step begins only after them. The
// first step waits in the same way for the warmup's operations.
func runSearch(cfg *Config, plan *openloop.Plan, tap *stepTap, measured time.Time, rec *record.Recorder, stop *atomic.Bool) {
	defer plan.Finish()
	s := &openloop.Search{Start: cfg.SearchStart(), Precision: cfg.Precision, MaxSteps: cfg.MaxSteps, Cap: cfg.MaxRate}
	if cfg.Ramp != nil {
		s.Ramp = cfg.Ramp.Rates()
	}
	next, warnedBusy := measured, false
	if warmup, _, _ := plan.Get(0); warmup != nil {
		if _, ok := awaitDone(warmup, tap, rec, stop); !ok {
			return
		}
		next = later(next, rec.StartOf(rec.IndexOf(time.Now())+1))
	}
	for i := 0; !stop.Load(); i++ {
		rate, ok := s.Next()
		if !ok {
			break
		}
		st := &openloop.Step{Phase: openloop.PhaseName(i, rate), Rate: rate, Start: next, End: next.Add(cfg.StepDuration)}
		plan.Add(st)
		end, ok := awaitDone(st, tap, rec, stop)
		if !ok {
			return
		}
		verdict, err := results.EvaluateStep(cfg.Objectives, st.Phase, tap.phase(st.Phase))
		if err != nil {
			_ = tap.Event(&results.Event{Time: time.Now(), Kind: results.EventError, Detail: fmt.Sprintf("judge %s: %v", st.Phase, err)})
			return
		}
		s.Record(rate, verdict.Met)
		_ = tap.Event(&results.Event{Time: end, Kind: results.EventPhase, Detail: describeVerdict(cfg.Objectives, verdict)})
		if e := connectionsBusyEvent(cfg, verdict, tap.phase(st.Phase), end); e != nil && !warnedBusy {
			warnedBusy = tap.Event(e) == nil
		}
		// The next step starts at the next interval boundary.
		next = rec.StartOf(rec.IndexOf(time.Now()) + 1)
	}
}

// awaitDone waits until every operation of st is done and the intervals
// that hold them are written, and returns where the last of those intervals
// ends: st's end, or later when the workers fell behind. It returns false if
// the run stops.
func awaitDone(st *openloop.Step, tap *stepTap, rec *record.Recorder, stop *atomic.Bool) (time.Time, bool) {
	if !tap.awaitThrough(st.End, stop) {
		return time.Time{}, false
	}
	for !stop.Load() {
		if done, ok := st.FinishedAt(); ok {
			end := st.End
			if done.After(end) {
				end = rec.StartOf(rec.IndexOf(done) + 1)
			}
			return end, tap.awaitThrough(end, stop)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Time{}, false
}

// describeVerdict says in a line how a step did against the objectives.
func describeVerdict(objectives []results.Objective, v results.SLOStep) string {
	word := "failed"
	if v.Met {
		word = "met"
	}
	text := fmt.Sprintf("%s %s the objectives: achieved %s ops/s", v.Phase, word, units.FormatWhole(v.AchievedRate))
	for _, o := range objectives {
		text += fmt.Sprintf(", %s measured %s", o.Text, time.Duration(v.Measured[o.Text])*time.Microsecond)
	}
	if v.Errors > 0 {
		text += ", " + units.Plural(int(v.Errors), "error")
	}
	if v.LateStarts > 0 {
		text += ", " + units.Plural(int(v.LateStarts), "late start")
	}
	return text
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// waitForStart waits until the load must start for the measured window to
// begin at cfg.StartAt, and tells obs when it is too late for that. It
// reports whether it waited for that instant (false without --start-at, or
// when it was already past), and returns ctx's error if ctx is cancelled
// while waiting.
func waitForStart(ctx context.Context, cfg Config, obs Observer) (bool, error) {
	if cfg.StartAt.IsZero() {
		return false, nil
	}
	wait := time.Until(cfg.StartAt.Add(-cfg.Warmup))
	if wait <= 0 {
		late := -wait
		return false, obs.Event(&results.Event{
			Time: time.Now(), Kind: results.EventWarning, Code: results.WarnStartedLate,
			Detail: fmt.Sprintf("started %s after --start-at%s (opening the connections or the preload took longer): the measured window is cut from --start-at, and its first interval is short",
				late.Round(time.Millisecond), map[bool]string{true: " less the warmup", false: ""}[cfg.Warmup > 0]),
		})
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// openSessions opens this segment's connections before the measured window,
// at most cfg.ConnectConcurrency at a time, each authenticated before the
// next one is dialled.
func openSessions(ctx context.Context, t *Target, obs Observer) ([]session, error) {
	cfg := t.cfg
	_, count := cfg.SegmentConnections()
	sessions := make([]session, count)
	for i := range sessions {
		sessions[i] = t.newSession()
	}
	progress, _ := obs.(Progress)
	var opened atomic.Int64
	var failed atomic.Bool
	var firstErr error
	var errOnce sync.Once
	next := make(chan int)
	// Opening many connections one after another can outlast a token:
	// those already open get new tokens while the others open.
	ready := make([]atomic.Bool, len(sessions))
	stopReauth := reauthWhileOpening(ctx, t.entra, sessions, ready)
	var wg sync.WaitGroup
	for range min(cfg.ConnectConcurrency, count) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				octx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout+cfg.Timeout)
				err := sessions[i].open(octx)
				cancel()
				if err != nil {
					errOnce.Do(func() {
						firstErr = fmt.Errorf("open connection %d of %d: %w", i+1, count, explainConnectError(t.principal(), err))
					})
					failed.Store(true)
					continue
				}
				ready[i].Store(true)
				n := opened.Add(1)
				if progress != nil {
					progress.Progress(StageConnect, n, int64(count))
				}
			}
		}()
	}
	pace := newConnectPace(cfg.ConnectRate, time.Now())
feed:
	for i := range sessions {
		if failed.Load() {
			break
		}
		if !pace.wait(ctx, i) {
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
	stopReauth()
	// A cluster session holds its connections until every session is
	// open, so that they are distinct; now they go back to the pools.
	for _, s := range sessions {
		if cs, ok := s.(*clusterSession); ok {
			cs.release()
		}
	}
	if firstErr != nil {
		return sessions, firstErr
	}
	if err := ctx.Err(); err != nil {
		return sessions, errors.Join(errors.New("interrupted while opening connections"), err)
	}
	return sessions, nil
}
