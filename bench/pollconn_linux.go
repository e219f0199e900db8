//go:build linux

package bench

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// pollingSupported says connections can poll here (replyWaits).
const pollingSupported = true

// pollConn is a TCP connection that polls for what it reads while its run's
// replyWaits say so, and reads as any connection does otherwise.
//
// A read that parks while the run switches to polling is woken by a read
// deadline in the past (kick); the deadline asked for is put back and the
// read polls. A connection is read by one goroutine at a time.
type pollConn struct {
	net.Conn
	raw   syscall.RawConn
	waits *replyWaits
	// sent says a request went out since the last read: the first poll
	// yields first, as the reply cannot be in yet. (Atomic: TLS may write
	// an alert from another goroutine.)
	sent atomic.Bool
	// readRaw is c.readOnce as a func value, made once: a closure per poll
	// would be an allocation per operation.
	readRaw func(fd uintptr) bool
	buf     []byte
	n       int
	errno   error

	mu       sync.Mutex
	kicked   bool      // the read deadline is in the past, to wake a parked read
	deadline time.Time // the read deadline asked for
}

// newPollConn wraps c, unless it offers no raw file descriptor.
func newPollConn(c net.Conn, w *replyWaits) net.Conn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return c
	}
	pc := &pollConn{Conn: c, raw: raw, waits: w}
	pc.readRaw = pc.readOnce
	w.add(pc)
	return pc
}

// Write sends p.
func (c *pollConn) Write(p []byte) (int, error) {
	c.sent.Store(true)
	return c.Conn.Write(p)
}

// Read reads what has come in: polling while the run polls, parking
// otherwise.
func (c *pollConn) Read(p []byte) (int, error) {
	yield := c.sent.Swap(false)
	for {
		for range maxPollsPerRead {
			if !c.waits.polling.Load() {
				break
			}
			if yield {
				runtime.Gosched()
			}
			n, err, again := c.poll(p)
			c.waits.read(!again)
			switch {
			case !again && err != nil && c.unkick():
				// kicked while not parked: the deadline is back, poll on
			case !again:
				return n, err
			}
			yield = true
		}
		if !c.waits.polling.Load() {
			c.waits.read(true) // parked reads count too: windows end, polling is tried again
		}
		n, err := c.Conn.Read(p)
		if err != nil && c.unkick() {
			yield = false
			continue // woken to poll
		}
		return n, err
	}
}

// poll reads once without waiting; again reports that nothing had come in.
func (c *pollConn) poll(p []byte) (n int, err error, again bool) {
	c.buf = p
	err = c.raw.Read(c.readRaw)
	c.buf = nil
	if err != nil {
		return 0, err, false // closed, or past the read deadline
	}
	switch n, errno := c.n, c.errno; {
	case errors.Is(errno, syscall.EAGAIN):
		return 0, nil, true
	case errno != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("read", errno)}, false
	case n == 0 && len(p) > 0:
		return 0, io.EOF, false
	default:
		return n, nil, false
	}
}

// readOnce is the raw read: once, whatever it finds.
func (c *pollConn) readOnce(fd uintptr) bool {
	for {
		c.n, c.errno = syscall.Read(int(fd), c.buf)
		if c.errno != syscall.EINTR {
			return true
		}
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

// unkick puts the read deadline asked for back after a kick, and reports
// whether there was one (the read's error was the kick's doing).
func (c *pollConn) unkick() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.kicked {
		return false
	}
	c.kicked = false
	_ = c.Conn.SetReadDeadline(c.deadline)
	return true
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
