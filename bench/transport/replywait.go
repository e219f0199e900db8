package transport

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// farFuture is a moment that never comes: no retry of polling.
var farFuture = time.Unix(math.MaxInt64/4, 0)

// ReplyWait is how a run's connections wait for their replies.
type ReplyWait string

const (
	// ReplyWaitAuto lets a closed-loop run poll for replies when polling
	// costs less CPU per reply than parking (see Waits).
	ReplyWaitAuto ReplyWait = "auto"
	// ReplyWaitPark always waits in Go's network poller.
	ReplyWaitPark ReplyWait = "park"
	// ReplyWaitPoll always polls (a closed loop only): for measuring.
	ReplyWaitPoll ReplyWait = "poll"
)

// ParseReplyWait reads a ReplyWait from its name.
func ParseReplyWait(s string) (ReplyWait, error) {
	switch w := ReplyWait(s); w {
	case ReplyWaitAuto, ReplyWaitPark, ReplyWaitPoll:
		return w, nil
	}
	return "", fmt.Errorf("%q: want auto, park or poll", s)
}

// Waits chooses, for all of a run's connections at once, how they wait
// for their replies: they poll, or they park.
//
// Go's way is to park: a goroutine whose read finds nothing parks, and the
// scheduler asks the kernel (epoll) which connections have data once it has
// nothing else to run. Against a nearby server that is, per operation, a
// read that finds nothing, a park, a share of a kernel poll and a wake-up.
// Polling is what an event loop such as memtier's amounts to: after sending,
// a worker yields the CPU to the others and reads when its turn comes round
// again; by then its reply is usually in, and if not it yields again. Against
// a local redis-server on one CPU, unpipelined, polling gives some 10-20 %
// more operations per second for 5-15 % less CPU per operation, and a lower
// p99.
//
// Polling is all or nothing. A parked goroutine wakes only when the
// scheduler polls the kernel, which it does when no goroutine can run, or
// every 10 ms; while the others poll some goroutine can always run, so a
// parked one would wait up to 10 ms for a reply that came long before: a
// latency made by the client, not the server. So either every connection
// polls or every one parks, and when polling starts the reads parked at that
// moment are woken (kick).
//
// Polling pays while replies come within about a round of the other
// workers. Against a distant server, or a stalled one, most polls would find
// nothing and burn the CPU. So each window of pollWindow reads counts the
// polls that found nothing: a window with more than maxEmptyPerRead per
// reply is bad. Polling begins as a try, with the load and again after each
// back-off (100 ms, doubling to 16 s while tries keep failing): a try ends,
// and the connections park, at its first bad window, and is trusted once it
// has polled for trialLength without one. Trusted polling parks only when
// every window is bad for minBadTime: a pause of the machine's shorter than
// that is polled through (a stall of the server costs at most that much
// CPU). Replies that come at about the pace of a round of polls (a round
// trip of a millisecond or so behind hundreds of connections) make windows
// good and bad by turns, where polling does no better than parking for more
// CPU: such polling never holds through a try, so it is tried ever more
// rarely. Writes poll too: a write that cannot go out (the socket's
// buffer is full) yields, tries again, and counts as an empty poll.
//
// Polling needs every wait in the process that matters to be one for a
// reply: the open loop's workers sleep on a timer read through the network
// poller, so an open-loop run parks; so does a run with Entra ID, whose
// token requests wait there too, and one against a server in this process
// (the embedded miniredis), whose goroutines the polls would starve.
// Connecting waits in the network poller too, so polling starts only with
// the load (start). Some waits are left to be slowed, by up to 10 ms each:
// a reconnection during the run, and a name looked up in DNS.
type Waits struct {
	polling atomic.Bool
	// mode counts the changes of mode: a connection's counts made before
	// the latest change go to the totals, not to the window.
	mode atomic.Int64
	// loadMode is mode when the load began (start).
	loadMode atomic.Int64
	_        [48]byte // polling and mode are read by every poll: not on the counters' cache line
	// polled and parked count the window's reads that returned something,
	// made polling and parked; empties its polls that found nothing.
	// Connections add their counts every flushEvery events.
	polled, parked, empties atomic.Int64

	mu sync.Mutex // held to judge a window and to change modes
	// fixed is set when the mode never changes (--reply-wait poll).
	fixed bool
	// stoppedPolling says the connections were polling when the load
	// stopped (Stop).
	stoppedPolling bool
	// bad is the number of polling windows in a row that found too little,
	// the first of them ending at badSince; retry is when parked
	// connections try polling again, after backoff; trial is set while
	// polling is a try, begun at trialStart (zero until its first window is
	// judged) and not yet trusted.
	bad        int
	badSince   time.Time
	retry      time.Time
	backoff    time.Duration
	trial      bool
	trialStart time.Time
	conns      map[*pollConn]struct{}
	// stats sums the windows judged so far.
	stats ReplyWaitStats
}

// ReplyWaitStats tells how a run's connections waited for their replies.
type ReplyWaitStats struct {
	// Polled and Parked count the reads made while polling and while
	// parked.
	Polled, Parked int64
	// Spells counts the times polling stopped for slow replies.
	// WorstEmpties and WorstReads are the polls that found nothing and the
	// reads that found a reply in the window that stopped it with the most
	// empty polls per reply.
	Spells                   int
	WorstEmpties, WorstReads int64
	// Empties counts the polls that found nothing in the polling windows
	// judged.
	Empties int64
	// Polling says the connections were polling when the counts were
	// taken (or, once the load is over, when it stopped).
	Polling bool
}

// EmptiesPerPolledRead is the polls that found nothing per read made while
// polling.
func (s ReplyWaitStats) EmptiesPerPolledRead() float64 {
	if s.Polled == 0 {
		return 0
	}
	return float64(s.Empties) / float64(s.Polled)
}

// ParkedShare is the share of reads made while parked.
func (s ReplyWaitStats) ParkedShare() float64 {
	if s.Polled+s.Parked == 0 {
		return 0
	}
	return float64(s.Parked) / float64(s.Polled+s.Parked)
}

const (
	// pollWindow is the number of reads and empty polls in a window.
	pollWindow = 1024
	// flushEvery is the number of reads and empty polls a connection counts
	// before it adds them to the window: fewer writes to shared memory.
	flushEvery = 64
	// maxEmptyPerRead: above this many empty polls per reply, polling does
	// not pay. An empty poll is a yield and a read that finds nothing; a
	// park is that read, a park, a share of a kernel poll and a wake-up:
	// some two empty polls' worth. But polls that keep finding nothing
	// also mean the client is not what holds the run back, and a polling
	// client takes all of its CPUs, from a server or a relay beside it too:
	// behind a 1 ms round trip with 500 connections and pipelines of 16,
	// polls found nothing 3.8 times per reply, and the run polling did
	// three quarters of the operations of one that parked (a 2-CPU machine
	// shared with other work, load 11). Against a local
	// server a window rarely sees more than one.
	maxEmptyPerRead = 1
	// badWindows and minBadTime are how many windows in a row, and for how
	// long, polling must find too little to be switched off.
	badWindows = 2
	minBadTime = 50 * time.Millisecond
	// trialLength is how long a try must poll without a bad window to be
	// trusted.
	trialLength  = time.Second
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 16 * time.Second
)

// NewWaits returns the waits of a run, or nil when its connections
// always park: --reply-wait park, a run that must park (an open loop, Entra
// ID, --transport std), or a platform where reads cannot poll. With auto
// the connections park until start, and poll from then on; with poll they
// poll from the first.
func NewWaits(mode ReplyWait, mustPark bool) *Waits {
	if mode == ReplyWaitPark || mustPark || !pollingSupported {
		return nil
	}
	w := &Waits{conns: map[*pollConn]struct{}{}, backoff: firstBackoff, retry: farFuture}
	if mode == ReplyWaitPoll {
		w.fixed = true
		w.polling.Store(true)
	}
	return w
}

// Start begins polling: the connections are open and the load begins.
func (w *Waits) Start() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.retry = time.Time{}
	w.trial, w.trialStart = !w.fixed, time.Time{} // the load's polling is a try too
	w.polled.Store(0)                             // connecting and preloading are not the load
	w.parked.Store(0)
	w.empties.Store(0)
	w.stoppedPolling = false
	w.set(true)
	w.loadMode.Store(w.mode.Load())
}

// Stop ends polling for good: the load is over.
func (w *Waits) Stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.retry = farFuture
	w.stoppedPolling = w.polling.Load()
	w.set(false)
}

// count adds a connection's reads that returned something (polled and
// parked) and empty polls to the window, and judges the window when it is
// full. Counts made in an earlier mode (mode is not the current one) go to
// the run's totals only: they would make the window look like that mode.
func (w *Waits) count(mode, polled, parked, empties int64) {
	if mode != w.mode.Load() {
		if mode < w.loadMode.Load() {
			return // counted before the load
		}
		w.mu.Lock()
		w.stats.Polled += polled
		w.stats.Parked += parked
		w.mu.Unlock()
		return
	}
	n := w.polled.Add(polled) + w.parked.Add(parked) + w.empties.Add(empties)
	if n >= pollWindow && w.mu.TryLock() {
		if w.polled.Load()+w.parked.Load()+w.empties.Load() >= pollWindow {
			w.judge(time.Now())
		}
		w.mu.Unlock()
	}
}

// judge ends a window and chooses the mode of the next one. The caller
// holds w.mu.
func (w *Waits) judge(now time.Time) {
	polled, parked, empties := w.polled.Swap(0), w.parked.Swap(0), w.empties.Swap(0)
	w.stats.Polled += polled
	w.stats.Parked += parked
	polling := w.polling.Load()
	reads := parked
	if polling {
		reads = polled // a polling window is judged on its polls alone
		w.stats.Empties += empties
	}
	switch {
	case w.fixed:
	case !polling:
		if !now.Before(w.retry) {
			w.trial, w.trialStart = true, now
			w.set(true)
		}
	case empties <= maxEmptyPerRead*max(reads, 1):
		w.bad = 0
		if w.trial && w.trialStart.IsZero() {
			w.trialStart = now
		}
		if w.trial && now.Sub(w.trialStart) >= trialLength {
			w.trial, w.backoff = false, firstBackoff // trusted
		}
	default:
		if w.bad++; w.bad == 1 {
			w.badSince = now
		}
		if w.trial || (w.bad >= badWindows && now.Sub(w.badSince) >= minBadTime) {
			w.park(now, reads, empties)
		}
	}
}

// park stops polling for slow replies, until the back-off has passed; reads
// and empties are the counts that showed it. The caller holds w.mu.
func (w *Waits) park(now time.Time, reads, empties int64) {
	w.bad, w.trial = 0, false
	w.stats.Spells++
	if empties*max(w.stats.WorstReads, 1) >= w.stats.WorstEmpties*max(reads, 1) {
		w.stats.WorstEmpties, w.stats.WorstReads = empties, reads
	}
	w.retry = now.Add(w.backoff)
	w.backoff = min(2*w.backoff, maxBackoff)
	w.set(false)
}

// Summary returns the counts so far (but for each connection's last
// flushEvery or fewer).
func (w *Waits) Summary() ReplyWaitStats {
	if w == nil {
		return ReplyWaitStats{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Polled += w.polled.Load()
	s.Parked += w.parked.Load()
	s.Polling = w.polling.Load() || w.stoppedPolling
	return s
}

// set switches every connection to polling or to parking. The caller holds
// w.mu. The reads parked when polling starts are woken, from another
// goroutine: a run may have many connections.
func (w *Waits) set(poll bool) {
	w.mode.Add(1)
	w.polling.Store(poll)
	if poll {
		go w.kickAll()
	}
}

// kickAll wakes every parked read, to poll.
func (w *Waits) kickAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.polling.Load() {
		return
	}
	for c := range w.conns {
		c.kick()
	}
}

// add and remove keep the set of open connections, to kick.
func (w *Waits) add(c *pollConn) {
	w.mu.Lock()
	w.conns[c] = struct{}{}
	w.mu.Unlock()
}

func (w *Waits) remove(c *pollConn) {
	w.mu.Lock()
	delete(w.conns, c)
	w.mu.Unlock()
}
