//go:build linux

package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// rawConn is a TCP connection whose reads and writes are single
// non-blocking system calls made without telling the scheduler (a raw
// system call), through the connection's syscall.RawConn. A read that finds
// nothing, or a write the socket cannot take, waits in Go's network poller
// as on any connection, deadlines included.
//
// Go's own reads and writes enter the scheduler's system-call state, and
// while a goroutine is in it the scheduler's monitor (sysmon) may hand its
// CPU slot (P) to another thread. On loopback a write runs the receiving
// side's network stack too, long enough for that: against a local
// redis-server with one P, a run's CPU went a quarter to the monitor's
// wake-ups and to the second thread the slot was handed to, with several
// times memtier_benchmark's context switches per pipeline. A socket's
// non-blocking read or write never waits, so nothing is lost by keeping the
// slot through it.
//
// Like any net.Conn it may be read and written from several goroutines: a
// read and a write may run at once, and reads (writes) take turns.
type rawConn struct {
	net.Conn
	raw syscall.RawConn
	// rmu and wmu are held by a read and by a write: they own the fields of
	// their direction below.
	rmu, wmu sync.Mutex
	// The raw calls are func values made once: a method value made per
	// call would be an allocation per operation. They work on rbuf (reads)
	// and wbuf (writes) and leave their results in rn, rerrno and wn,
	// werrno; wrote counts what a write has sent so far.
	readOnce, readOrWait, writeOnce, writeOrWait func(fd uintptr) bool
	rbuf, wbuf                                   []byte
	rn, wn, wrote                                int
	rerrno, werrno                               syscall.Errno
}

// newRawConn wraps c, unless it offers no raw file descriptor (then it
// returns nil).
func newRawConn(c net.Conn) *rawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	rc := &rawConn{Conn: c, raw: raw}
	rc.readOnce, rc.readOrWait = rc.readCall, rc.readOrWaitCall
	rc.writeOnce, rc.writeOrWait = rc.writeCall, rc.writeOrWaitCall
	return rc
}

// rawIO wraps c for raw reads and writes where it can.
func rawIO(c net.Conn) net.Conn {
	if rc := newRawConn(c); rc != nil {
		return rc
	}
	return c
}

// Read reads what has come in, waiting in the network poller until
// something has.
func (c *rawConn) Read(p []byte) (int, error) {
	n, _, err := c.read(p, c.readOrWait)
	return n, err
}

// Write writes all of p, waiting in the network poller while the socket's
// buffer is full.
func (c *rawConn) Write(p []byte) (int, error) {
	n, _, err := c.write(p, c.writeOrWait)
	return n, err
}

// tryRead reads once without waiting; again reports that nothing had come
// in.
func (c *rawConn) tryRead(p []byte) (n int, again bool, err error) {
	return c.read(p, c.readOnce)
}

// read reads into p with call (readOnce or readOrWait); an empty read of a
// non-empty p is the peer's close.
func (c *rawConn) read(p []byte, call func(fd uintptr) bool) (n int, again bool, err error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.rbuf = p
	err = c.raw.Read(call)
	c.rbuf = nil
	n, again, err = c.outcome("read", err, c.rn, c.rerrno)
	if err == nil && !again && n == 0 && len(p) > 0 {
		return 0, false, io.EOF
	}
	return n, again, err
}

// tryWrite writes once without waiting; again reports that the socket took
// nothing.
func (c *rawConn) tryWrite(p []byte) (n int, again bool, err error) {
	return c.write(p, c.writeOnce)
}

// write writes p with call (writeOnce or writeOrWait) and returns what went
// out, also when it fails part way.
func (c *rawConn) write(p []byte, call func(fd uintptr) bool) (n int, again bool, err error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf, c.wrote, c.werrno = p, 0, 0
	err = c.raw.Write(call)
	c.wbuf = nil
	_, again, err = c.outcome("write", err, 0, c.werrno)
	return c.wrote, again, err
}

// outcome reads a raw call's result: err from the runtime (the connection
// is closed, or past its deadline), else the system call's n and errno.
func (c *rawConn) outcome(op string, err error, n int, errno syscall.Errno) (int, bool, error) {
	switch {
	case err != nil:
		return 0, false, asOpError(op, err)
	case errno == syscall.EAGAIN:
		return 0, true, nil
	case errno != 0:
		return 0, false, &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError(op, errno)}
	}
	return n, false, nil
}

// asOpError names a raw read's or write's failure as a plain read's or
// write's: the net package calls it "raw-read".
func asOpError(op string, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		oe.Op = op
	}
	return err
}

// readCall reads once, whatever it finds; readOrWaitCall asks the network
// poller to wait when it found nothing.
func (c *rawConn) readCall(fd uintptr) bool {
	c.rn, c.rerrno = rawSyscallIO(syscall.SYS_READ, fd, c.rbuf)
	return true
}

func (c *rawConn) readOrWaitCall(fd uintptr) bool {
	c.readCall(fd)
	return c.rerrno != syscall.EAGAIN
}

// writeCall writes once, whatever the socket takes; writeOrWaitCall writes
// until all of wbuf is out or an error, asking the network poller to wait
// while the socket takes nothing.
func (c *rawConn) writeCall(fd uintptr) bool {
	c.wn, c.werrno = rawSyscallIO(syscall.SYS_WRITE, fd, c.wbuf)
	c.wrote += c.wn
	return true
}

func (c *rawConn) writeOrWaitCall(fd uintptr) bool {
	for len(c.wbuf) > 0 {
		c.writeCall(fd)
		switch {
		case c.werrno == syscall.EAGAIN:
			return false
		case c.werrno != 0:
			return true
		case c.wn == 0:
			c.werrno = syscall.EIO // a write that takes nothing and says nothing: never spin on it
			return true
		}
		c.wbuf = c.wbuf[c.wn:]
	}
	return true
}

// rawSyscallIO makes one read or write system call (trap) on fd with p,
// again when a signal interrupted it. It returns what was read or written,
// or the error number (and 0).
func rawSyscallIO(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		switch errno {
		case 0:
			return int(n), 0
		case syscall.EINTR:
			continue
		}
		return 0, errno
	}
}
