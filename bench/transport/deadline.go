package transport

import (
	"net"
	"sync/atomic"
	"time"
)

// deadlineConn moves a connection's deadlines lazily. go-redis sets a read
// and a write deadline around every command, each a trip into the runtime's
// timer heap — about a twentieth of the client's CPU at Redis rates. The
// wrapper passes a deadline through only when the one in force is more than
// slack earlier than asked (or later: a shorter timeout always applies at
// once), so a command times out after between timeout-slack and timeout.
//
// A connection is used by one goroutine at a time, but for go-redis's own
// corners (a pool that checks its idle connections as it closes while a
// background re-AUTH still runs on one), so the deadlines in force are kept
// in atomics: a plain load on the hot path.
//
// It is also the connection whose Close is counted (Conns), once: the
// outermost wrapper, so counting adds no layer under every read and write.
type deadlineConn struct {
	net.Conn
	slack time.Duration
	// read and write are the deadlines in force, in Unix nanoseconds; 0 is
	// none.
	read, write atomic.Int64
	// conns counts the connection's close, and, when it replaces a lost
	// one (reopen), the server's first answer on it; nil: no count.
	conns  *Conns
	addr   string
	closed atomic.Bool
	reopen atomic.Bool
}

// Read reads, and counts a reopened connection once the server answers.
func (c *deadlineConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.reopen.Load() && c.reopen.CompareAndSwap(true, false) {
		c.conns.countReopen()
	}
	return n, err
}

// Close closes the connection and counts it closed, the first time.
func (c *deadlineConn) Close() error {
	if c.conns != nil && c.closed.CompareAndSwap(false, true) {
		c.conns.closed(c.addr)
	}
	return c.Conn.Close()
}

// unixNanos is t in Unix nanoseconds, 0 for the zero time (no deadline).
func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// keep reports whether the deadline in force, cur, can stand for t.
func (c *deadlineConn) keep(cur int64, t time.Time) bool {
	want := unixNanos(t)
	return want != 0 && cur != 0 && cur <= want && cur >= want-int64(c.slack)
}

// SetReadDeadline moves the read deadline unless the one in force is close
// enough below t.
func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	if c.keep(c.read.Load(), t) {
		return nil
	}
	c.read.Store(unixNanos(t))
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline moves the write deadline unless the one in force is close
// enough below t.
func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	if c.keep(c.write.Load(), t) {
		return nil
	}
	c.write.Store(unixNanos(t))
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline moves both deadlines at once.
func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.read.Store(unixNanos(t))
	c.write.Store(unixNanos(t))
	return c.Conn.SetDeadline(t)
}
