package bench

import (
	"net"
	"time"
)

// deadlineConn moves a connection's deadlines lazily. go-redis sets a read
// and a write deadline around every command, each a trip into the runtime's
// timer heap — about a twentieth of the client's CPU at Redis rates. The
// wrapper passes a deadline through only when the one in force is more than
// slack earlier than asked (or later: a shorter timeout always applies at
// once), so a command times out after between timeout-slack and timeout.
//
// A connection is used by one goroutine at a time, so no lock is needed.
type deadlineConn struct {
	net.Conn
	slack       time.Duration
	read, write time.Time // the deadlines in force
}

// keep reports whether the deadline in force, cur, can stand for t.
func (c *deadlineConn) keep(cur, t time.Time) bool {
	return !t.IsZero() && !cur.IsZero() && !cur.After(t) && !cur.Before(t.Add(-c.slack))
}

// SetReadDeadline moves the read deadline unless the one in force is close
// enough below t.
func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	if c.keep(c.read, t) {
		return nil
	}
	c.read = t
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline moves the write deadline unless the one in force is close
// enough below t.
func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	if c.keep(c.write, t) {
		return nil
	}
	c.write = t
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline moves both deadlines at once.
func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.read, c.write = t, t
	return c.Conn.SetDeadline(t)
}
