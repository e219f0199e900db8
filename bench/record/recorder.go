package record

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amrbench/amrbench/bench/clientload"
	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/results"
)

// Observer receives a run's records as they are finalized: intervals in
// order, and events. Its methods may be called from several goroutines.
// Records are not reused after they are passed on. An error from Interval
// stops the run.
type Observer interface {
	Interval(iv *results.Interval) error
	Event(e *results.Event) error
}

// FarFuture is a log end that never passes, for the last interval of a run.
var FarFuture = time.Unix(math.MaxInt64/4, 0)

// intervalAcc accumulates the logs of every worker for one interval.
type intervalAcc struct {
	cmds       []*results.CommandStats // indexed by workloads.Op.Stat
	shards     map[int]*results.ShardStats
	lateStarts int64
	lateClient int64
	dropped    int64
	backoff    time.Duration
	samples    []ErrorSample
	outOfRange int64
	reauth     *results.ReauthStats
}

// addCounts adds per-class counters to m, which it creates when needed.
func addCounts(m map[results.ErrorClass]int64, counts *[NumClasses]int64) map[results.ErrorClass]int64 {
	for i, n := range counts {
		if n == 0 {
			continue
		}
		if m == nil {
			m = map[results.ErrorClass]int64{}
		}
		m[results.ErrorClasses[i]] += n
	}
	return m
}

func (a *intervalAcc) add(l *Log) {
	a.lateStarts += l.LateStarts
	a.lateClient += l.LateClient
	a.dropped += l.Dropped
	a.backoff += l.Backoff
	a.samples = append(a.samples, l.Samples...)
	a.outOfRange += l.OutOfRange
	if !l.Reauth.empty() {
		if a.reauth == nil {
			a.reauth = results.NewReauthStats()
		}
		l.Reauth.addTo(a.reauth)
	}
	if a.cmds == nil {
		a.cmds = make([]*results.CommandStats, len(l.Cmds))
	}
	for k := range l.Cmds {
		c := &l.Cmds[k]
		if c.Count == 0 && c.Errors == [NumClasses]int64{} {
			continue
		}
		s := a.cmds[k]
		if s == nil {
			s = results.NewCommandStats()
			a.cmds[k] = s
		}
		s.Count += c.Count
		s.Hits += c.Hits
		s.Misses += c.Misses
		s.BytesSent += c.BytesSent
		s.BytesReceived += c.BytesReceived
		s.Errors = addCounts(s.Errors, &c.Errors)
		s.Redirects = addCounts(s.Redirects, &c.Redirects)
		// Packed and dense histograms share the standard geometry, so the
		// merge is exact.
		_ = s.Service.AddPacked(c.Service)
		if l.closedLoop {
			_ = s.Response.AddPacked(c.Service)
		} else {
			_ = s.Response.AddPacked(c.Response)
		}
		if c.failed {
			if s.Failures == nil {
				s.Failures = results.NewHistogram()
			}
			_ = s.Failures.AddPacked(c.failures)
		}
	}
	for i := range l.Shards {
		sl := &l.Shards[i]
		if !sl.active() {
			continue
		}
		if a.shards == nil {
			a.shards = map[int]*results.ShardStats{}
		}
		s := a.shards[i]
		if s == nil {
			s = results.NewShardStats()
			a.shards[i] = s
		}
		s.Count += sl.Count
		s.Errors = addCounts(s.Errors, &sl.Errors)
		s.Redirects = addCounts(s.Redirects, &sl.Redirects)
		_ = s.Response.AddPacked(sl.Response)
	}
}

// Recorder assembles the workers' logs into interval records. Interval k
// covers [measured + k*interval, measured + (k+1)*interval); warmup intervals
// have negative indexes. An operation belongs to the interval it completed
// in.
//
// Interval k is written once every worker has certified that it holds no
// more operations for it, which a worker does when it sees the clock pass
// the interval's end, at its next send or reply. A worker stuck in a command
// cannot certify; after maxLag past the end (longer than any command can
// take) the interval is written anyway, and a log that still arrives for it
// is added to the oldest interval not yet written and counted in a warning.
type Recorder struct {
	start    time.Time // run start; the first interval does not begin before it
	measured time.Time // start of interval 0
	interval time.Duration
	first    int64
	maxLag   time.Duration
	workers  int
	// stats are the names operations are recorded under, indexed by
	// workloads.Op.Stat; an empty name is never sent, and left out of the
	// intervals.
	stats []string
	obs   Observer
	conns func() int
	// PhaseAt names the phase and target rate of the step that holds a
	// moment (open loop); nil in a closed loop. Set it before the workers
	// start.
	PhaseAt func(time.Time) (string, float64)
	// LateThreshold is how late an operation is sent to count as a late
	// start, for the late-start warning.
	LateThreshold time.Duration
	// Shards names the shards of a cluster run; nil for one endpoint.
	Shards *cluster.Registry
	// Reauth, when set, adds re-authentication statistics to every
	// interval: the workers' own and those collected here.
	Reauth *SharedReauth
	// reopened counts the connections the server accepted to replace lost
	// ones (transport.Conns); nil: not counted.
	reopened func() int64
	// MaxErrorRate is the run's error budget, for its warning.
	MaxErrorRate float64
	// Secrets are taken out of the error messages.
	Secrets []string
	// meter reads the client's CPU and GC pauses at interval boundaries.
	meter *clientload.Meter
	// ReplyWaits tells how the connections waited for replies so far (nil:
	// they parked).
	ReplyWaits func() transport.ReplyWaitStats
	lastWaits  transport.ReplyWaitStats

	handoffs chan *Log
	// failed is closed when the observer fails to take an interval (its
	// file cannot be written): the run stops, as nothing more can be kept.
	failed    chan struct{}
	free      sync.Pool
	lastIndex atomic.Int64 // the last interval, once the stop is decided

	// Owned by run.
	certified  []int64
	nCertified int // workers with certified >= next
	finals     int
	pending    map[int64]*intervalAcc
	next       int64
	maxSeen    int64
	runEnd     time.Time // read it with RunEnd once Run has returned
	late       int64
	lateWarned bool
	lastPhase  string
	// slowPhases and boundPhases are the phases whose late starts, and
	// whose client-bound intervals, have been warned about.
	slowPhases, boundPhases map[string]bool
	lastReopened            int64
	budgetWarned            bool
	// samples are the error messages written in events, by class.
	samples map[results.ErrorClass][]string
}

// New returns a recorder for a run whose load starts at start and
// whose measured window (interval 0) starts at measured: after start by the
// warmup, or before it when a run told to start at a given time could not.
func New(start, measured time.Time, interval, maxLag time.Duration, workers int, stats []string, obs Observer, conns func() int) *Recorder {
	r := &Recorder{
		start:    start,
		measured: measured,
		interval: interval,
		first:    floorDiv(start.Sub(measured), interval),
		maxLag:   maxLag,
		workers:  workers,
		stats:    stats,
		obs:      obs,
		conns:    conns,
		handoffs: make(chan *Log, workers+16),
		failed:   make(chan struct{}),
		pending:  map[int64]*intervalAcc{},

		slowPhases:  map[string]bool{},
		boundPhases: map[string]bool{},
		meter:       clientload.NewMeter(),
	}
	r.free.New = func() any { return newLog(len(stats)) }
	r.lastIndex.Store(math.MaxInt64)
	r.next = r.first
	r.maxSeen = r.first
	r.certified = make([]int64, workers)
	for i := range r.certified {
		r.certified[i] = r.first - 1
	}
	return r
}

// IndexOf returns the interval an operation completing at t belongs to.
func (r *Recorder) IndexOf(t time.Time) int64 {
	return min(max(floorDiv(t.Sub(r.measured), r.interval), r.first), r.lastIndex.Load())
}

// floorDiv returns d/interval rounded towards minus infinity: the interval
// that offset d from the measured start falls in.
func floorDiv(d, interval time.Duration) int64 {
	k := int64(d / interval)
	if d < 0 && d%interval != 0 {
		k--
	}
	return k
}

// StartOf returns the start of interval k: the run's start for the first.
func (r *Recorder) StartOf(k int64) time.Time {
	s := r.measured.Add(time.Duration(k) * r.interval)
	if s.Before(r.start) {
		return r.start
	}
	return s
}

func (r *Recorder) endOf(k int64) time.Time {
	if k >= r.lastIndex.Load() {
		return FarFuture
	}
	return r.measured.Add(time.Duration(k+1) * r.interval)
}

// StopAt fixes the last interval: operations completing after t still count,
// in the interval that holds t.
func (r *Recorder) StopAt(t time.Time) {
	r.lastIndex.Store(r.IndexOf(t.Add(-time.Nanosecond)))
}

// NewLog returns an empty log for worker, for operations completing in
// interval index.
func (r *Recorder) NewLog(worker int, index int64) *Log {
	l := r.free.Get().(*Log)
	l.worker, l.Index, l.End = worker, index, r.endOf(index)
	l.closedLoop = r.PhaseAt == nil
	return l
}

// Rotate is called by a worker when the clock has reached its log's end: it
// hands the log over and returns the log to record into from now on.
func (r *Recorder) Rotate(l *Log, now time.Time) *Log {
	k := r.IndexOf(now)
	if k <= l.Index { // the run's last interval: it never ends
		l.End = FarFuture
		return l
	}
	l.through = k - 1
	worker := l.worker // l belongs to the recorder once sent
	r.handoffs <- l
	return r.NewLog(worker, k)
}

// Finish hands over a worker's last log.
func (r *Recorder) Finish(l *Log, now time.Time) {
	l.final, l.finishedAt = true, now
	r.handoffs <- l
}

// Run assembles and emits intervals until every worker has finished. After
// an observer error it closes failed, so the run stops, keeps draining the
// workers' logs, so they never block, and returns the error at the end.
func (r *Recorder) Run() error {
	tick := time.NewTicker(min(r.interval/4, 100*time.Millisecond))
	defer tick.Stop()
	var firstErr error
	for r.finals < r.workers {
		select {
		case l := <-r.handoffs:
			r.merge(l)
			r.mergeQueued()
		case now := <-tick.C:
			r.meter.Tick(r.IndexOf(now))
		}
		if firstErr == nil {
			if firstErr = r.flush(time.Now()); firstErr != nil {
				close(r.failed)
			}
		}
	}
	if firstErr == nil {
		firstErr = r.flush(time.Now())
	}
	return firstErr
}

// mergeQueued merges every log already handed over, before the next flush:
// a flush that writes slowly (a loaded machine, a slow disk) would
// otherwise take one log per flush, leaving the workers blocked on their
// hand-overs while more intervals fall due, and a run of a fixed number of
// operations could fall further behind for ever.
func (r *Recorder) mergeQueued() {
	for {
		select {
		case l := <-r.handoffs:
			r.merge(l)
		default:
			return
		}
	}
}

func (r *Recorder) merge(l *Log) {
	// A worker may have started a log just past a stop decided a moment
	// later; its operations belong to the last interval.
	index := min(l.Index, r.lastIndex.Load())
	if index < r.next {
		// Its interval was written without it: add it to the oldest one
		// still open, so no operation is lost, and say so.
		index = r.next
		r.late++
	}
	acc := r.pending[index]
	if acc == nil {
		acc = &intervalAcc{}
		r.pending[index] = acc
	}
	acc.add(l)
	r.maxSeen = max(r.maxSeen, index)
	through := l.through
	if l.final {
		through = math.MaxInt64
		r.finals++
		if l.finishedAt.After(r.runEnd) {
			r.runEnd = l.finishedAt
		}
	}
	if old := r.certified[l.worker]; through > old {
		r.certified[l.worker] = through
		if old < r.next && through >= r.next {
			r.nCertified++
		}
	}
	l.reset()
	r.free.Put(l)
}

// flush writes every interval that is complete, in order.
func (r *Recorder) flush(now time.Time) error {
	allFinal := r.finals == r.workers
	last := int64(math.MaxInt64)
	if allFinal {
		last = max(r.maxSeen, min(r.IndexOf(r.runEnd), r.lastIndex.Load()))
	}
	for r.next <= last {
		k := r.next
		if !allFinal {
			end := r.endOf(k)
			if now.Before(end) {
				return nil
			}
			if r.nCertified < r.workers && now.Sub(end) < r.maxLag {
				return nil
			}
		}
		if err := r.emit(k, allFinal && k == last); err != nil {
			return err
		}
		delete(r.pending, k)
		r.next++
		r.nCertified = 0
		for _, c := range r.certified {
			if c >= r.next {
				r.nCertified++
			}
		}
	}
	return nil
}

// polledShare returns the share of the replies read since it was last
// asked that the connections polled for. A connection hands its counts on
// every few dozen reads: when none came in (a slow interval), the share is
// the mode the connections are in, which cannot have changed without them.
func (r *Recorder) polledShare() float64 {
	if r.ReplyWaits == nil {
		return 0
	}
	now := r.ReplyWaits()
	polled, parked := now.Polled-r.lastWaits.Polled, now.Parked-r.lastWaits.Parked
	r.lastWaits = now
	switch {
	case polled+parked > 0:
		return float64(polled) / float64(polled+parked)
	case now.Polling:
		return 1
	}
	return 0
}

func (r *Recorder) emit(k int64, lastOfRun bool) error {
	iv := &results.Interval{
		Index:       k,
		Start:       r.StartOf(k).UTC(),
		End:         r.endOf(k).UTC(),
		Connections: r.conns(),
		Commands:    make(map[string]*results.CommandStats, len(r.stats)),
	}
	if r.PhaseAt != nil {
		iv.Phase, iv.TargetRate = r.PhaseAt(r.StartOf(k))
	}
	if k < 0 {
		iv.Phase = results.PhaseWarmup
	}
	if lastOfRun {
		iv.End = r.runEnd.UTC()
	}
	acc := r.pending[k]
	if acc == nil {
		acc = &intervalAcc{}
	}
	iv.LateStarts, iv.Dropped = acc.lateStarts, acc.dropped
	iv.BackoffS = math.Round(acc.backoff.Seconds()*1000) / 1000
	if r.reopened != nil { // the connections the server accepted since the last interval
		n := r.reopened()
		iv.Reconnects, r.lastReopened = n-r.lastReopened, n
	}
	if r.Reauth != nil {
		iv.Reauth = acc.reauth
		if iv.Reauth == nil {
			iv.Reauth = results.NewReauthStats()
		}
		r.Reauth.DrainInto(iv.Reauth)
	}
	for i, name := range r.stats {
		if name == "" {
			continue
		}
		s := results.NewCommandStats()
		if acc.cmds != nil && acc.cmds[i] != nil {
			s = acc.cmds[i]
		}
		iv.Commands[name] = s
	}
	iv.Client = r.meter.Interval(k, iv, acc.lateClient, r.polledShare())
	if iv.Phase != r.lastPhase && iv.Phase != "" && iv.Phase != results.PhaseWarmup && iv.Phase != results.PhaseIdle {
		if err := r.obs.Event(&results.Event{Time: iv.Start, Kind: results.EventPhase, Detail: iv.Phase}); err != nil {
			return err
		}
	}
	r.lastPhase = iv.Phase
	if r.Shards != nil {
		iv.Shards = make(map[string]*results.ShardStats, len(acc.shards))
		for i, s := range acc.shards {
			iv.Shards[r.Shards.Name(i)] = s
		}
	}
	if err := r.obs.Interval(iv); err != nil {
		return err
	}
	return r.events(iv, acc)
}

// CountReopened has every interval count the connections the server
// accepted to replace lost ones since the last: reopened returns how many
// so far, and what it returns now is not counted.
func (r *Recorder) CountReopened(reopened func() int64) {
	r.reopened, r.lastReopened = reopened, reopened()
}

// Measured returns the start of interval 0, the measured window's.
func (r *Recorder) Measured() time.Time { return r.measured }

// LastIndex returns the run's last interval once the stop is decided
// (StopAt), and math.MaxInt64 before; safe from any goroutine.
func (r *Recorder) LastIndex() int64 { return r.lastIndex.Load() }

// Failed is closed when the observer fails to take an interval: the run
// must stop, as nothing more can be kept.
func (r *Recorder) Failed() <-chan struct{} { return r.failed }

// RunEnd returns when the last worker finished; read it after Run returns.
func (r *Recorder) RunEnd() time.Time { return r.runEnd }

// Stats returns the names operations are recorded under, indexed by
// workloads.Op.Stat.
func (r *Recorder) Stats() []string { return r.stats }
