package bench

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/amrbench/amrbench/bench/failure"
	"github.com/amrbench/amrbench/bench/record"
	"github.com/amrbench/amrbench/bench/transport"
	"github.com/amrbench/amrbench/results"
)

// link is a worker's view of its connection: up, or down since it failed,
// with the back-off that sets its next attempt to open it again. A
// connection attempt is not an operation: a worker whose connection is down
// sends nothing and counts nothing while it waits (a closed loop), or fails
// the operations that fall due meanwhile at once, as an application's
// client would (an open loop). The time down is counted in the intervals
// (Interval.BackoffS).
type link struct {
	backoff transport.Backoff
	down    bool
	retryAt time.Time
	// mark is where the down time has been counted up to.
	mark time.Time
	// err is why the connection was lost or the last attempt failed.
	err error
}

// linkPoll bounds a closed loop's sleep while its connection is down, so
// that it sees the run stop.
const linkPoll = 100 * time.Millisecond

// lost says the connection failed at now: the next attempt is due after
// the back-off.
func (w *worker) lost(now time.Time, err error) {
	l := &w.link
	if !l.down {
		l.down, l.mark = true, now
	}
	l.err = err
	l.retryAt = now.Add(l.backoff.Failed())
}

// countDown adds the time the connection has been down, up to now, to the
// worker's log.
func (w *worker) countDown(now time.Time) {
	l := &w.link
	if l.down && now.After(l.mark) {
		w.log.Backoff += now.Sub(l.mark)
		l.mark = now
	}
}

// redial tries to open the connection again, and reports whether it did.
func (w *worker) redial(ctx context.Context) bool {
	err := w.sess.reconnect(ctx)
	now := time.Now()
	if !now.Before(w.log.End) {
		w.rotate(now)
	}
	if err != nil {
		class := failure.Classify(err)
		if w.auth != nil && class == results.ErrAuth {
			w.auth.HoldOff(now) // a refused token: wait for a new one too
		}
		// Not an operation, but why none can be sent: its message is kept.
		w.sample(class, func() string { return failure.Describe(err) })
		w.lost(now, err)
		w.freeAt = now
		return false
	}
	w.freeAt = now
	w.countDown(now)
	w.link.down = false
	return true
}

// noteDropped notices a connection its session dropped outside the
// worker's accounting (a re-AUTH that broke it).
func (w *worker) noteDropped(now time.Time) {
	if !w.link.down && w.sess.down() {
		w.lost(now, errDropped)
	}
}

// errDropped is why a connection dropped by its session is down.
var errDropped = errors.New("the connection was closed")

// awaitLink waits, in a closed loop, until the connection is open again:
// it sleeps until each attempt is due, handing over its log at interval
// ends. It returns false when the run stops first.
func (w *worker) awaitLink(ctx context.Context) bool {
	w.noteDropped(time.Now())
	for w.link.down {
		if w.stop.Load() {
			return false
		}
		now := time.Now()
		if !now.Before(w.log.End) {
			w.rotate(now)
		}
		if now.Before(w.link.retryAt) {
			wake := min(w.link.retryAt.Sub(now), w.log.End.Sub(now), linkPoll)
			time.Sleep(wake)
			continue
		}
		w.redial(ctx)
	}
	return true
}

// linkReady reports, in an open loop, whether the connection is open: when
// it is down and an attempt is due, it makes it.
func (w *worker) linkReady(ctx context.Context, now time.Time) bool {
	w.noteDropped(now)
	if !w.link.down {
		return true
	}
	if now.Before(w.link.retryAt) {
		return false
	}
	return w.redial(ctx)
}

// failUnsent counts an open loop's operation that fell due at due while the
// connection was down: it is issued, and fails at once, as it would in an
// application whose connection is down, with the class and message of why
// the connection is.
func (w *worker) failUnsent(due, now time.Time) {
	s := w.calls[0]
	w.gen.Next(&s.Op) // the operation sequence goes on as if it were sent
	c := &w.log.Cmds[s.Op.Stat]
	class := results.ErrConnection
	if w.link.err != nil && !errors.Is(w.link.err, errDropped) {
		class = failure.Classify(w.link.err)
	}
	c.Errors[record.ClassIndex[class]]++
	c.RecordFailure(record.Micros(now.Sub(due)))
	if w.link.err != nil {
		w.sample(class, func() string { return failure.Describe(w.link.err) })
	}
}

// samplesTriedPerInterval bounds how many failures of a class a worker
// reads the message of in an interval, while it looks for messages it has
// not seen: reading one may allocate, and a run whose every operation fails
// with the same message would otherwise read them all.
const samplesTriedPerInterval = 64

// sample keeps the message of a failure of class, read by text, if the
// worker has not seen it and holds fewer than results.ErrorSamplesPerClass
// of the class: the recorder writes the run's first few in error events.
func (w *worker) sample(class results.ErrorClass, text func() string) {
	ci := record.ClassIndex[class]
	if len(w.seen[ci]) >= results.ErrorSamplesPerClass || w.tried[ci] >= samplesTriedPerInterval {
		return
	}
	w.tried[ci]++
	t := text()
	if slices.Contains(w.seen[ci], t) {
		return
	}
	w.seen[ci] = append(w.seen[ci], t)
	w.log.Samples = append(w.log.Samples, record.ErrorSample{Class: class, Text: t})
}
