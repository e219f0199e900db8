//go:build linux

package transport

import (
	"errors"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// pollingSupported says connections can poll here (Waits).
const pollingSupported = true

// pollConn is a TCP connection (rawConn) that polls for what it reads and
// writes while its run's Waits say so, and waits as any connection
// does otherwise.
//
// A read that parks while the run switches to polling is woken by a read
// deadline in the past (kick); the deadline asked for is put back and the
// read polls. A connection is read by one goroutine at a time, and written
// by one at a time.
type pollConn struct {
	*rawConn
	waits *Waits
	// sent says a request went out since the last read: the first poll
	// yields first, as the reply cannot be in yet. (Atomic: TLS may write
	// an alert from another goroutine.)
	sent atomic.Bool
	// polled, parked and empties are reads counted here (Waits.count)
	// in mode, and added to the run's window every flushEvery events.
	mode, polled, parked, empties int64

	mu       sync.Mutex
	kicked   bool      // the read deadline is in the past, to wake a parked read
	deadline time.Time // the read deadline asked for
}

// newPollConn wraps c, unless it offers no raw file descriptor.
func newPollConn(c net.Conn, w *Waits) net.Conn {
	rc := newRawConn(c)
	if rc == nil {
		return c
	}
	pc := &pollConn{rawConn: rc, waits: w}
	w.add(pc)
	return pc
}

// Write sends p: polling while the run polls, as any connection otherwise.
// A write the socket cannot take (its buffer is full) counts as an empty
// poll, so that a run whose writes keep waiting parks.
func (c *pollConn) Write(p []byte) (int, error) {
	c.sent.Store(true)
	written := 0
	for written < len(p) && c.waits.polling.Load() {
		n, again, err := c.tryWrite(p[written:])
		written += n
		if err != nil {
			return written, err
		}
		if again {
			c.waits.count(c.waits.mode.Load(), 0, 0, 1) // rare; and a writer's, not the reader's, counts
			runtime.Gosched()
		}
	}
	if written == len(p) {
		return written, nil
	}
	n, err := c.rawConn.Write(p[written:])
	return written + n, err
}

// Read reads what has come in: polling while the run polls, parking
// otherwise. A read polls for as long as the run does: one that parked
// while the others poll would wait for the scheduler's 10 ms poll of the
// kernel, and a run whose replies are slow stops polling (Waits).
func (c *pollConn) Read(p []byte) (int, error) {
	yield := c.sent.Swap(false)
	for {
		if c.waits.polling.Load() {
			if yield {
				runtime.Gosched()
			}
			n, again, err := c.tryRead(p)
			if again {
				c.tally(0, 0, 1)
				yield = true
				continue
			}
			if err != nil && c.woken(err) {
				continue // kicked between two polls: the deadline is back
			}
			c.tally(1, 0, 0)
			return n, err
		}
		n, err := c.rawConn.Read(p)
		if err != nil && c.woken(err) {
			yield = false
			continue // woken to poll
		}
		c.tally(0, 1, 0) // parked reads count too: windows end, polling is tried again
		return n, err
	}
}

// tally counts reads that returned something (polled or parked) and empty
// polls, and adds them to the run's window every flushEvery.
func (c *pollConn) tally(polled, parked, empties int64) {
	if mode := c.waits.mode.Load(); mode != c.mode {
		c.flush()
		c.mode = mode
	}
	c.polled += polled
	c.parked += parked
	c.empties += empties
	if c.polled+c.parked+c.empties >= flushEvery {
		c.flush()
	}
}

// flush adds the counts to the run's.
func (c *pollConn) flush() {
	if c.polled+c.parked+c.empties > 0 {
		c.waits.count(c.mode, c.polled, c.parked, c.empties)
		c.polled, c.parked, c.empties = 0, 0, 0
	}
}

// kick wakes a parked read by moving the read deadline into the past.
func (c *pollConn) kick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.kicked {
		c.kicked = true
		_ = c.Conn.SetReadDeadline(time.Unix(1, 0))
	}
}

// woken puts the read deadline asked for back after a kick, and reports
// whether err was the kick's doing (a deadline error while kicked).
func (c *pollConn) woken(err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.kicked {
		return false
	}
	c.kicked = false
	_ = c.Conn.SetReadDeadline(c.deadline)
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// SetReadDeadline sets the read deadline (after a kick, once it is over).
func (c *pollConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = t
	if c.kicked {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines.
func (c *pollConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// Close closes the connection and forgets it.
func (c *pollConn) Close() error {
	c.waits.remove(c)
	return c.Conn.Close()
}
