package bench

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amrbench/amrbench/bench/cluster"
	"github.com/amrbench/amrbench/bench/entra"
	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/openloop"
	"github.com/amrbench/amrbench/bench/pipeline"
	"github.com/amrbench/amrbench/bench/record"
	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/workloads"
)

// worker drives one connection. Everything it touches per operation is its
// own: the generator, the commands, the log. The only shared state it reads
// per batch is the stop flag and, with Entra ID, the current token's
// generation (one atomic load each).
type worker struct {
	id int
	// testConn is the worker's connection number in the whole test, which
	// may be split between machines (--segment): its place in the schedule
	// (operations m ≡ testConn mod conns) and its operation sequence. It is id
	// unless the run is a segment.
	testConn int
	conns    int
	gen      *workloads.Generator
	sess     session
	rec      *record.Recorder
	stop     *atomic.Bool
	calls    []*pipeline.Call
	cmds     []redis.Cmder
	dues     []time.Time // intended start of each operation of the batch
	log      *record.Log
	// readInto says GETs may read values into the worker's buffer (it holds
	// the largest value; a cluster's commands are made per operation).
	readInto bool
	// shards are a cluster's shards, for the per-shard counts; nil for one
	// endpoint.
	shards *cluster.Registry
	// shardBatch counts, per shard, the operations of the current
	// closed-loop batch, to record their latency once per shard.
	shardBatch []int64
	// statBatch counts, per stat (workloads.Op.Stat), the operations of
	// the current closed-loop batch, to record their latency once per
	// command.
	statBatch []int64
	// mix is set for the SET/GET mix, unset for arbitrary commands.
	mix bool
	// quota is the number of measured operations left; negative means the
	// run is bounded by time (closed loop).
	quota int64
	// Open loop only.
	waiter        *openloop.Waiter
	lateThreshold time.Duration
	// auth is the connection's Entra ID state and authn sends AUTH on it;
	// nil for other auth modes.
	auth  *entra.Conn
	authn authenticator
	// link is the connection's state: up, or down and backing off.
	link link
	// seen are the failure messages the worker has kept, by class; tried
	// counts the failures whose message it read in this interval.
	seen  [record.NumClasses][]string
	tried [record.NumClasses]int
	// Open loop only: the step being run and the worker's next operation
	// of it, so that a worker behind its schedule at the step's end drops
	// the rest (dropLate); freeAt is when its last batch's replies came in,
	// to tell a late start the client caused from one that waited for the
	// connection.
	step   *openloop.Step
	m      uint64
	freeAt time.Time
}

// maxValueBuffer bounds the buffer a worker reads GET values through. Larger
// values are drained in several reads, by getRaw only.
const maxValueBuffer = 16 << 10

func newWorker(id, conns int, gen *workloads.Generator, sess session, rec *record.Recorder, stop *atomic.Bool, depth, maxValue int, quota int64) *worker {
	w := &worker{
		id:       id,
		testConn: id,
		conns:    conns,
		gen:      gen,
		sess:     sess,
		rec:      rec,
		stop:     stop,
		quota:    quota,
		cmds:     make([]redis.Cmder, depth),
		dues:     make([]time.Time, depth),
		shards:   sess.shards(),
	}
	shapes := gen.CommandShapes()
	w.mix = len(shapes) == 0
	w.statBatch = make([]int64, max(len(rec.Stats()), 1))
	// +2: go-redis reads the CRLF along with the value.
	buf := make([]byte, min(maxValue+2, maxValueBuffer))
	w.readInto = maxValue+2 <= maxValueBuffer
	w.calls = make([]*pipeline.Call, depth)
	for i := range w.calls {
		if w.shards != nil {
			w.calls[i] = pipeline.NewClusterCall(maxValue+2, shapes)
			w.readInto = false
		} else {
			w.calls[i] = pipeline.NewCall(buf, shapes)
		}
	}
	if as, ok := sess.(authSession); ok && as.connAuth() != nil {
		w.auth, w.authn = as.connAuth(), as
	}
	return w
}

// rotate hands the log over at an interval's end. On the way it chooses how
// GETs read their replies for the next interval, from what the last one
// found, for the fewer allocations (see pipeline.Call): into the buffer when a raw
// read's allocation per hit would cost more than go-redis's error path per
// miss (21 allocations alone, 2 in a pipeline), raw otherwise.
func (w *worker) rotate(now time.Time) {
	if !w.mix { // no GETs to choose for
		w.log = w.rec.Rotate(w.log, now)
		return
	}
	get := &w.log.Cmds[workloads.Get]
	missCost := int64(21)
	if len(w.calls) > 1 {
		missCost = 2
	}
	into := w.readInto && get.Hits > 0 && get.Misses*missCost <= get.Hits
	for _, s := range w.calls {
		s.SetReadInto(into)
	}
	w.dropLate(now)
	w.countDown(now)
	w.tried = [record.NumClasses]int{}
	w.log = w.rec.Rotate(w.log, now)
}

// prepare draws the next operation into call i (its pipeline position).
func (w *worker) prepare(i int) {
	s := w.calls[i]
	w.gen.Next(&s.Op)
	w.cmds[i] = s.Prepare()
}

// send sends the first n prepared operations and records them: the log is
// rotated if an interval ended before the send or before the reply, so the
// operations are recorded in the interval they completed in.
func (w *worker) send(ctx context.Context, n int, closedLoop bool) {
	sent := time.Now()
	if closedLoop {
		for i := range n {
			w.dues[i] = sent
		}
	}
	if !sent.Before(w.log.End) {
		w.rotate(sent)
	}
	_ = w.sess.exec(ctx, w.cmds[:n]) // each command carries its own error
	done := time.Now()
	if !done.Before(w.log.End) {
		w.rotate(done)
	}
	w.account(n, closedLoop, sent, done)
}

// runClosed sends batches until the run stops or the quota is spent: each
// batch goes out as soon as the replies of the previous one are in, so its
// intended start is its actual send.
func (w *worker) runClosed(ctx context.Context) {
	w.log = w.rec.NewLog(w.id, w.rec.IndexOf(time.Now()))
	defer func() { w.rec.Finish(w.log, time.Now()) }()
	for !w.stop.Load() && w.quota != 0 {
		if w.auth != nil && w.auth.NeedsAttention() {
			if w.tendAuth(ctx) {
				continue // backing off a refused token: no batch now
			}
		}
		if !w.awaitLink(ctx) {
			break
		}
		n := len(w.calls)
		if w.quota > 0 && int64(n) > w.quota {
			n = int(w.quota)
		}
		for i := range n {
			w.prepare(i)
		}
		w.send(ctx, n, true)
		// The quota is charged by the rule that decides what is measured:
		// a batch is recorded in the interval it completed in (send has
		// rotated the log to it), and measured if that interval is. A batch
		// sent in the warmup and completed after it is measured, so it is
		// charged too: the measured count is exactly the quota.
		if w.quota > 0 && w.log.Index >= 0 {
			w.quota -= int64(n)
		}
	}
}

// runOpen sends the operations of each step of plan at their due times: the
// worker's share is operations m ≡ testConn (mod conns). An operation that is due
// while the previous batch is still waiting for its replies goes out as soon
// as the replies are in, with its response time counted from its due time;
// with a pipeline, every operation already due joins the batch. A step
// ends at its end: a worker still behind its schedule then drops the rest
// of the step's operations (dropLate), so no run outlasts its duration.
func (w *worker) runOpen(ctx context.Context, plan *openloop.Plan) {
	w.log = w.rec.NewLog(w.id, w.rec.IndexOf(time.Now()))
	defer func() { w.rec.Finish(w.log, time.Now()) }()
	for i := 0; ; i++ {
		st := w.awaitStep(ctx, plan, i)
		if st == nil {
			return
		}
		w.step, w.m = st, uint64(w.testConn)
		done := w.runStep(ctx, st)
		w.step = nil
		if !done {
			return
		}
		st.FinishWorker(time.Now(), plan.Workers)
	}
}

// runStep sends the worker's share of step st; it returns false when the
// run stops first.
func (w *worker) runStep(ctx context.Context, st *openloop.Step) bool {
	for !w.stop.Load() {
		due, ok := st.Due(w.m)
		if !ok || w.dropLate(time.Now()) {
			return true
		}
		if !w.sleepUntil(ctx, due) {
			return false
		}
		if w.auth != nil && w.auth.NeedsAttention() {
			// Its time counts in the response times of the operations
			// it delays; a held connection leaves them due.
			if w.tendAuth(ctx) {
				continue
			}
		}
		now := time.Now()
		if !w.linkReady(ctx, now) {
			w.failDue(st, time.Now())
			continue
		}
		n := 0
		for n < len(w.calls) {
			d, ok := st.Due(w.m)
			if !ok || (n > 0 && d.After(now)) {
				break
			}
			w.dues[n] = d
			w.prepare(n)
			w.m += uint64(w.conns)
			n++
		}
		w.send(ctx, n, false)
	}
	return false
}

// dropGrace is how late a worker may still send a step's operations after
// the step has ended: a tenth of the step, at least the late-start
// threshold and at most a second. A worker that was held up briefly near
// the end catches up (its late operations count as late starts, their wait
// in their response times); one further behind drops the rest, and no step
// outlasts its end by more than that.
func dropGrace(st *openloop.Step, lateThreshold time.Duration) time.Duration {
	return min(max(lateThreshold, st.End.Sub(st.Start)/10), time.Second)
}

// failDue fails every operation of st due by now, its connection being
// down (failUnsent).
func (w *worker) failDue(st *openloop.Step, now time.Time) {
	if !now.Before(w.log.End) {
		w.rotate(now)
	}
	for {
		d, ok := st.Due(w.m)
		if !ok || d.After(now) {
			return
		}
		w.failUnsent(d, now)
		w.m += uint64(w.conns)
	}
}

// dropLate ends the worker's share of its step when the step has ended and
// the worker is behind: its next operation is later than the step's grace.
// The operations it has not sent are counted as dropped, in the log of the
// interval it is in (the step's last, unless it fell behind by more). It
// reports whether it dropped them.
func (w *worker) dropLate(now time.Time) bool {
	st := w.step
	if st == nil || st.End.IsZero() || now.Before(st.End) {
		return false
	}
	due, ok := st.Due(w.m)
	if !ok || now.Sub(due) <= dropGrace(st, w.lateThreshold) {
		return false
	}
	left := st.Left(w.m, w.conns)
	w.log.Dropped += int64(left)
	w.m += left * uint64(w.conns)
	return true
}

// awaitStep returns step i of plan once it is published, or nil when the
// plan is over or the run stops. While it waits, the worker keeps handing
// its logs over at every interval's end, and sends new tokens then.
func (w *worker) awaitStep(ctx context.Context, plan *openloop.Plan, i int) *openloop.Step {
	for !w.stop.Load() {
		st, over, changed := plan.Get(i)
		if st != nil || over {
			return st
		}
		select {
		case <-changed:
		case <-time.After(time.Until(w.log.End)):
			w.rotate(time.Now())
			if w.auth != nil && w.auth.NewerToken() {
				w.reauthenticate(ctx)
			}
		}
	}
	return nil
}

// sleepUntil sleeps until t, handing the log over at interval ends on the
// way, and sending a new token when its turn comes: an idle connection must
// not outlive its token. It returns false when the run stops.
func (w *worker) sleepUntil(ctx context.Context, t time.Time) bool {
	for !w.stop.Load() {
		now := time.Now()
		if !now.Before(w.log.End) {
			w.rotate(now)
		}
		if w.auth != nil && w.auth.NewerToken() {
			w.reauthenticate(ctx)
			now = time.Now()
		}
		if !now.Before(t) {
			return true
		}
		wake := t
		if w.log.End.Before(wake) {
			wake = w.log.End
		}
		if a := w.auth; a != nil && a.NewerToken() && a.TurnDue().Before(wake) {
			wake = a.TurnDue() // the connection's turn to send the new token
		}
		if err := w.waiter.Sleep(wake.Sub(now), w.stop.Load); err != nil {
			time.Sleep(wake.Sub(now)) // the timerfd failed: fall back to Go's timer
		}
	}
	return false
}

// account records a batch of n operations. A successful one is counted,
// with its latencies; a failed one is counted in its error class alone,
// with its time to failure. In a closed loop the batch has one intended
// start, its send, so every operation in it gets the same response and
// service time and each command kind's successes are recorded once per
// batch. In an open loop each operation has its own due time.
//
// A latency beyond the histograms' range is recorded at its top and counted
// in the log's outOfRange (see record): neither dropped nor hidden.
func (w *worker) account(n int, closedLoop bool, sent, done time.Time) {
	service := record.Micros(done.Sub(sent))
	var brokenBy error // the first failure that broke the connection
	broken, clusterDown, expired, refused, succeeded := false, false, false, false, false
	for i := range n {
		s := w.calls[i]
		stat := s.Op.Stat
		c := &w.log.Cmds[stat]
		c.BytesSent += s.Sent()
		out, received, class, brokenConn := s.Result()
		c.BytesReceived += received
		broken = broken || brokenConn
		response := service
		if !closedLoop {
			response = record.Micros(done.Sub(w.dues[i]))
			if sent.Sub(w.dues[i]) > w.lateThreshold {
				w.log.LateStarts++
				if !w.dues[i].Before(w.freeAt) { // its connection was free: the client was slow
					w.log.LateClient++
				}
			}
		}
		if out == pipeline.Failed {
			class, expired, refused = w.authClass(class, done, expired, refused)
			clusterDown = clusterDown || failure.TopologySuspect(class)
			c.Errors[record.ClassIndex[class]]++
			c.RecordFailure(response)
			w.sample(class, s.FailureText)
			if brokenConn && brokenBy == nil {
				brokenBy = w.cmds[i].Err()
			}
			if w.shards != nil {
				w.accountShard(s, c, record.ClassIndex[class], closedLoop, response)
			}
			continue
		}
		succeeded = true
		c.Count++
		switch out {
		case pipeline.Hit:
			c.Hits++
			if s.TooLarge() { // values larger than the buffer: raw reads from now on
				w.readInto = false
				for _, other := range w.calls {
					other.SetReadInto(false)
				}
			}
		case pipeline.Miss:
			c.Misses++
		}
		if w.shards != nil {
			w.accountShard(s, c, -1, closedLoop, response)
		}
		if closedLoop {
			w.statBatch[stat]++
			continue
		}
		// Service time is at most response time: one operation beyond the
		// range is counted once, by its response time.
		if record.Record(c.Response, response, 1) {
			w.log.OutOfRange++
		}
		record.Record(c.Service, service, 1)
	}
	for stat, k := range w.statBatch {
		if k > 0 {
			if record.Record(w.log.Cmds[stat].Service, service, k) { // the response histogram is filled from it at merge
				w.log.OutOfRange += k
			}
			w.statBatch[stat] = 0
		}
	}
	for i, k := range w.shardBatch {
		if k > 0 { // closed loop: the response time is the service time
			record.Record(w.log.Shards[i].Response, service, k) // counted in the command's
			w.shardBatch[i] = 0
		}
	}
	w.freeAt = done
	if succeeded {
		w.link.backoff.Reset()
	}
	if broken || refused {
		if expired {
			w.log.Reauth.Expired++
		}
		w.sess.reopen()
		if refused {
			w.auth.HoldOff(done)
		}
		// One endpoint: the connection is gone, and the worker opens it
		// again with back-off. A cluster's pools open theirs as commands
		// need them; a closed loop still backs off when a whole batch
		// failed, or it would spin on failures that come back at once.
		if w.shards == nil || (closedLoop && !succeeded) {
			w.lost(done, brokenBy)
		}
	}
	if clusterDown {
		w.sess.suspectTopology()
	}
}

// authClass corrects a failure's class with Entra ID: a connection lost
// once its token had expired was closed by the server for that, an
// authentication failure; a refused token means the connection must be
// opened again later. It returns the class and whether either happened.
func (w *worker) authClass(class results.ErrorClass, done time.Time, expired, refused bool) (results.ErrorClass, bool, bool) {
	if w.auth == nil {
		return class, expired, refused
	}
	switch {
	case class == results.ErrConnection && w.auth.ExpiredAt(done):
		return results.ErrAuth, true, refused
	case class == results.ErrAuth:
		// go-redis keeps failing a Conn whose handshake failed.
		return class, expired, true
	}
	return class, expired, refused
}

// classMoved and classAsk index the redirect classes in per-worker arrays.
var (
	classMoved = record.ClassIndex[results.ErrMoved]
	classAsk   = record.ClassIndex[results.ErrAsk]
)

// accountShard counts a cluster operation under the shard whose reply was
// final: a success with its response time, or a failure in its error class
// (class -1: none), and the MOVED
// and ASK replies it followed on the way under the shards that sent them. A
// redirect that was the final reply (the redirect limit was reached) is the
// operation's error, not a redirect followed.
func (w *worker) accountShard(s *pipeline.Call, c *record.CmdLog, class int, closedLoop bool, response int64) {
	route := s.Route()
	idx := int(route.Shard)
	if idx < 0 {
		idx = w.shards.IndexOf(results.UnroutedShard)
	}
	sh := w.log.Shard(idx)
	switch {
	case class >= 0:
		sh.Errors[class]++
	case closedLoop:
		for len(w.shardBatch) <= idx {
			w.shardBatch = append(w.shardBatch, 0) // a shard first seen: rare
		}
		sh.Count++
		w.shardBatch[idx]++
	default:
		sh.Count++
		record.Record(sh.Response, response, 1) // counted in the command's
	}
	followed := route.Redirects()
	if len(followed) > 0 && (class == classMoved || class == classAsk) {
		followed = followed[:len(followed)-1]
	}
	for _, r := range followed {
		rc := classMoved
		if r.Ask {
			rc = classAsk
		}
		c.Redirects[rc]++
		w.log.Shard(int(r.Shard)).Redirects[rc]++
	}
}

// tendAuth is the worker's slow path for authentication, taken when
// attention says so. It reports whether the worker must skip the batch: the
// connection is held after a refused token, and the worker sleeps a little,
// handing over its log at interval ends as usual.
func (w *worker) tendAuth(ctx context.Context) bool {
	if w.auth.Held() {
		now := time.Now()
		if !now.Before(w.log.End) {
			w.rotate(now)
		}
		if w.auth.HeldAt(now) {
			time.Sleep(min(w.auth.HoldUntil().Sub(now), 50*time.Millisecond))
			return true
		}
		w.auth.EndHold() // it dials with the token current now
	}
	if w.auth.NewerToken() {
		w.reauthenticate(ctx) // between batches, timed apart
	}
	return false
}

// reauthenticate sends the newest token on the worker's connection when its
// turn has come, and records the AUTH apart from the workload.
func (w *worker) reauthenticate(ctx context.Context) {
	r, sent := sendNewToken(ctx, w.auth, w.authn)
	if !sent {
		return
	}
	if !r.Done.Before(w.log.End) {
		w.rotate(r.Done)
	}
	l := &w.log.Reauth
	l.Record(r.Done.Sub(r.Sent), errClass(r.Err), r.expired)
	w.freeAt = r.Done
	if r.Err != nil && failure.BreaksConnection(failure.Classify(r.Err)) {
		w.sess.reopen()
		if w.shards == nil {
			w.lost(r.Done, r.Err)
		}
	}
}
