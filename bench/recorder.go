package bench

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

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

// farFuture is a log end that never passes, for the last interval of a run.
var farFuture = time.Unix(math.MaxInt64/4, 0)

// cmdLog is what one worker recorded for one command in one interval:
// count, hits, misses and the latencies of the successful operations, the
// failed ones by class, and their times to failure (failures, made at the
// first).
type cmdLog struct {
	count, hits, misses      int64
	errors                   [numClasses]int64
	redirects                [numClasses]int64 // moved and ask only
	bytesSent, bytesReceived int64
	response, service        *hdrhistogram.PackedHistogram
	failures                 *hdrhistogram.PackedHistogram
	failed                   bool // failures holds this interval's
}

// recordFailure records a failed operation's time to failure, us.
func (c *cmdLog) recordFailure(us int64) {
	if c.failures == nil {
		c.failures = results.NewPackedHDR() // the first failure of the worker: rare
	}
	c.failed = true
	record(c.failures, us, 1)
}

// errorSample is a failure's message, for the error events.
type errorSample struct {
	class results.ErrorClass
	text  string
}

// shardLog is what one worker recorded for one shard of a cluster in one
// interval.
type shardLog struct {
	count     int64
	errors    [numClasses]int64
	redirects [numClasses]int64 // moved and ask only
	response  *hdrhistogram.PackedHistogram
}

func (s *shardLog) active() bool {
	return s.count > 0 || s.errors != [numClasses]int64{} || s.redirects != [numClasses]int64{}
}

// workerLog is everything one worker recorded in one interval. A worker owns
// its log until it hands it to the recorder: no lock is taken per operation,
// and there is one hand-off per worker per interval.
type workerLog struct {
	worker int
	index  int64     // the interval every recorded operation completed in
	end    time.Time // end of that interval; reaching it triggers the hand-off
	// through is set at hand-off: the worker has handed over everything it
	// will ever record for intervals up to and including through.
	through    int64
	final      bool      // the worker has finished
	finishedAt time.Time // when, for a final log
	// closedLoop logs record each latency once, in service: in a closed
	// loop the intended start is the send, so response time is the same
	// value and is filled from it when the log is merged.
	closedLoop bool
	// cmds is indexed by workloads.Op.Stat.
	cmds []cmdLog
	// shards is indexed by shard number (cluster runs only); it grows when
	// a worker first meets a shard.
	shards     []shardLog
	lateStarts int64
	// lateClient counts the late starts whose connection was free when they
	// fell due: the client itself was slow.
	lateClient int64
	// dropped counts operations due but never sent (open loop).
	dropped int64
	// backoff is the time the worker's connection was down.
	backoff time.Duration
	// samples are failure messages the worker has not seen before.
	samples []errorSample
	// outOfRange counts the operations whose latency was beyond the
	// histograms' range, recorded at its top (worker.record).
	outOfRange int64
	reauth     reauthLog
}

// shard returns the log of shard i, growing the list if needed.
func (l *workerLog) shard(i int) *shardLog {
	for len(l.shards) <= i {
		l.shards = append(l.shards, shardLog{response: results.NewPackedHDR()})
	}
	return &l.shards[i]
}

func newWorkerLog(stats int) *workerLog {
	l := &workerLog{cmds: make([]cmdLog, stats)}
	for k := range l.cmds {
		l.cmds[k].response = results.NewPackedHDR()
		l.cmds[k].service = results.NewPackedHDR()
	}
	return l
}

func (l *workerLog) reset() {
	for k := range l.cmds {
		c := &l.cmds[k]
		resp, svc, fail := c.response, c.service, c.failures
		resp.Reset()
		svc.Reset()
		if fail != nil {
			fail.Reset()
		}
		*c = cmdLog{response: resp, service: svc, failures: fail}
	}
	for i := range l.shards {
		s := &l.shards[i]
		resp := s.response
		resp.Reset()
		*s = shardLog{response: resp}
	}
	l.final, l.finishedAt, l.lateStarts, l.lateClient, l.outOfRange, l.closedLoop = false, time.Time{}, 0, 0, 0, false
	l.dropped, l.backoff, l.samples = 0, 0, l.samples[:0]
	l.reauth.reset()
}

// intervalAcc accumulates the logs of every worker for one interval.
type intervalAcc struct {
	cmds       []*results.CommandStats // indexed by workloads.Op.Stat
	shards     map[int]*results.ShardStats
	lateStarts int64
	lateClient int64
	dropped    int64
	backoff    time.Duration
	samples    []errorSample
	outOfRange int64
	reauth     *results.ReauthStats
}

// addCounts adds per-class counters to m, which it creates when needed.
func addCounts(m map[results.ErrorClass]int64, counts *[numClasses]int64) map[results.ErrorClass]int64 {
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

func (a *intervalAcc) add(l *workerLog) {
	a.lateStarts += l.lateStarts
	a.lateClient += l.lateClient
	a.dropped += l.dropped
	a.backoff += l.backoff
	a.samples = append(a.samples, l.samples...)
	a.outOfRange += l.outOfRange
	if !l.reauth.empty() {
		if a.reauth == nil {
			a.reauth = results.NewReauthStats()
		}
		l.reauth.addTo(a.reauth)
	}
	if a.cmds == nil {
		a.cmds = make([]*results.CommandStats, len(l.cmds))
	}
	for k := range l.cmds {
		c := &l.cmds[k]
		if c.count == 0 && c.errors == [numClasses]int64{} {
			continue
		}
		s := a.cmds[k]
		if s == nil {
			s = results.NewCommandStats()
			a.cmds[k] = s
		}
		s.Count += c.count
		s.Hits += c.hits
		s.Misses += c.misses
		s.BytesSent += c.bytesSent
		s.BytesReceived += c.bytesReceived
		s.Errors = addCounts(s.Errors, &c.errors)
		s.Redirects = addCounts(s.Redirects, &c.redirects)
		// Packed and dense histograms share the standard geometry, so the
		// merge is exact.
		_ = s.Service.AddPacked(c.service)
		if l.closedLoop {
			_ = s.Response.AddPacked(c.service)
		} else {
			_ = s.Response.AddPacked(c.response)
		}
		if c.failed {
			if s.Failures == nil {
				s.Failures = results.NewHistogram()
			}
			_ = s.Failures.AddPacked(c.failures)
		}
	}
	for i := range l.shards {
		sl := &l.shards[i]
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
		s.Count += sl.count
		s.Errors = addCounts(s.Errors, &sl.errors)
		s.Redirects = addCounts(s.Redirects, &sl.redirects)
		_ = s.Response.AddPacked(sl.response)
	}
}

// recorder assembles the workers' logs into interval records. Interval k
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
type recorder struct {
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
	// phaseAt names the phase and target rate of the step that holds a
	// moment (open loop); nil in a closed loop.
	phaseAt       func(time.Time) (string, float64)
	lateThreshold time.Duration
	// shards names the shards of a cluster run; nil for one endpoint.
	shards *cluster.Registry
	// entra, when set, adds re-authentication statistics to every interval.
	entra *entraAuth
	// reopened counts the connections the server accepted to replace lost
	// ones (transport.Conns); nil: not counted.
	reopened func() int64
	// maxErrorRate is the run's error budget, for its warning; secrets are
	// taken out of the error messages.
	maxErrorRate float64
	secrets      []string
	// meter reads the client's CPU and GC pauses at interval boundaries;
	// replyWaits, how the connections waited for replies so far (nil: they
	// parked).
	meter      *clientload.Meter
	replyWaits func() transport.ReplyWaitStats
	lastWaits  transport.ReplyWaitStats

	handoffs chan *workerLog
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
	runEnd     time.Time
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

// newRecorder returns a recorder for a run whose load starts at start and
// whose measured window (interval 0) starts at measured: after start by the
// warmup, or before it when a run told to start at a given time could not.
func newRecorder(start, measured time.Time, interval, maxLag time.Duration, workers int, stats []string, obs Observer, conns func() int) *recorder {
	r := &recorder{
		start:    start,
		measured: measured,
		interval: interval,
		first:    floorDiv(start.Sub(measured), interval),
		maxLag:   maxLag,
		workers:  workers,
		stats:    stats,
		obs:      obs,
		conns:    conns,
		handoffs: make(chan *workerLog, workers+16),
		failed:   make(chan struct{}),
		pending:  map[int64]*intervalAcc{},

		slowPhases:  map[string]bool{},
		boundPhases: map[string]bool{},
		meter:       clientload.NewMeter(),
	}
	r.free.New = func() any { return newWorkerLog(len(stats)) }
	r.lastIndex.Store(math.MaxInt64)
	r.next = r.first
	r.maxSeen = r.first
	r.certified = make([]int64, workers)
	for i := range r.certified {
		r.certified[i] = r.first - 1
	}
	return r
}

// indexOf returns the interval an operation completing at t belongs to.
func (r *recorder) indexOf(t time.Time) int64 {
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

func (r *recorder) startOf(k int64) time.Time {
	s := r.measured.Add(time.Duration(k) * r.interval)
	if s.Before(r.start) {
		return r.start
	}
	return s
}

func (r *recorder) endOf(k int64) time.Time {
	if k >= r.lastIndex.Load() {
		return farFuture
	}
	return r.measured.Add(time.Duration(k+1) * r.interval)
}

// stopAt fixes the last interval: operations completing after t still count,
// in the interval that holds t.
func (r *recorder) stopAt(t time.Time) {
	r.lastIndex.Store(r.indexOf(t.Add(-time.Nanosecond)))
}

// newLog returns an empty log for worker, for operations completing in
// interval index.
func (r *recorder) newLog(worker int, index int64) *workerLog {
	l := r.free.Get().(*workerLog)
	l.worker, l.index, l.end = worker, index, r.endOf(index)
	l.closedLoop = r.phaseAt == nil
	return l
}

// rotate is called by a worker when the clock has reached its log's end: it
// hands the log over and returns the log to record into from now on.
func (r *recorder) rotate(l *workerLog, now time.Time) *workerLog {
	k := r.indexOf(now)
	if k <= l.index { // the run's last interval: it never ends
		l.end = farFuture
		return l
	}
	l.through = k - 1
	worker := l.worker // l belongs to the recorder once sent
	r.handoffs <- l
	return r.newLog(worker, k)
}

// finish hands over a worker's last log.
func (r *recorder) finish(l *workerLog, now time.Time) {
	l.final, l.finishedAt = true, now
	r.handoffs <- l
}

// run assembles and emits intervals until every worker has finished. After
// an observer error it closes failed, so the run stops, keeps draining the
// workers' logs, so they never block, and returns the error at the end.
func (r *recorder) run() error {
	tick := time.NewTicker(min(r.interval/4, 100*time.Millisecond))
	defer tick.Stop()
	var firstErr error
	for r.finals < r.workers {
		select {
		case l := <-r.handoffs:
			r.merge(l)
			r.mergeQueued()
		case now := <-tick.C:
			r.meter.Tick(r.indexOf(now))
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
func (r *recorder) mergeQueued() {
	for {
		select {
		case l := <-r.handoffs:
			r.merge(l)
		default:
			return
		}
	}
}

func (r *recorder) merge(l *workerLog) {
	// A worker may have started a log just past a stop decided a moment
	// later; its operations belong to the last interval.
	index := min(l.index, r.lastIndex.Load())
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
func (r *recorder) flush(now time.Time) error {
	allFinal := r.finals == r.workers
	last := int64(math.MaxInt64)
	if allFinal {
		last = max(r.maxSeen, min(r.indexOf(r.runEnd), r.lastIndex.Load()))
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
// asked that the connections polled for.
func (r *recorder) polledShare() float64 {
	if r.replyWaits == nil {
		return 0
	}
	now := r.replyWaits()
	polled, parked := now.Polled-r.lastWaits.Polled, now.Parked-r.lastWaits.Parked
	r.lastWaits = now
	if polled+parked <= 0 {
		return 0
	}
	return float64(polled) / float64(polled+parked)
}

func (r *recorder) emit(k int64, lastOfRun bool) error {
	iv := &results.Interval{
		Index:       k,
		Start:       r.startOf(k).UTC(),
		End:         r.endOf(k).UTC(),
		Connections: r.conns(),
		Commands:    make(map[string]*results.CommandStats, len(r.stats)),
	}
	if r.phaseAt != nil {
		iv.Phase, iv.TargetRate = r.phaseAt(r.startOf(k))
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
	if r.entra != nil {
		iv.Reauth = acc.reauth
		if iv.Reauth == nil {
			iv.Reauth = results.NewReauthStats()
		}
		r.entra.shared.drainInto(iv.Reauth)
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
	if r.shards != nil {
		iv.Shards = make(map[string]*results.ShardStats, len(acc.shards))
		for i, s := range acc.shards {
			iv.Shards[r.shards.Name(i)] = s
		}
	}
	if err := r.obs.Interval(iv); err != nil {
		return err
	}
	return r.events(iv, acc)
}
