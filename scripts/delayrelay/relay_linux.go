//go:build linux

package main

import (
	"errors"
	"fmt"
	"math/bits"
	"net"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// minFree is the room a direction's buffer keeps for a read.
	minFree = 16 << 10
	// maxHeld is how many bytes a direction holds before it stops reading
	// from its source until it has passed half of them on.
	maxHeld = 4 << 20
	// flushEvery is how many epoll events the loop handles between two
	// looks at the bytes that have fallen due.
	flushEvery = 16
)

// relay is the event loop: every socket of every relayed connection, the
// listener, the timer and the stop signal in one epoll set, served by one
// goroutine.
type relay struct {
	ep, lfd, tfd, efd int
	backend           unix.Sockaddr
	hold              time.Duration
	socks             []*sock // by file descriptor
	// due lists each held chunk's direction in the order the chunks were
	// read, which, all being held alike, is the order they fall due;
	// dueHead is its first entry.
	due     []dueEntry
	dueHead int
	armed   time.Time // when the timer will fire; zero: not armed
	stopped bool
	events  []unix.EpollEvent
	stats   stats
}

// sock is one socket of a relayed connection: the direction that reads
// from it and the one that writes to it.
type sock struct {
	fd      int
	in, out *direction
	events  uint32 // the epoll events asked for
}

// direction holds one direction's bytes: buf[head:tail], cut into chunks as
// they were read, each passed on once due.
type direction struct {
	src, dst   *sock
	buf        []byte
	head, tail int
	chunks     []chunk
	chunkHead  int
	paused     bool // reading stopped: too much held
	closed     bool
}

type chunk struct {
	n   int
	due time.Time
}

type dueEntry struct {
	d   *direction
	due time.Time
}

// stats are what the report says.
type stats struct {
	conns, chunks int64
	bytes         int64
	// late counts chunks by how late they were passed on: bucket i holds
	// lateness below 2^i µs.
	late    [32]int64
	maxLate time.Duration
}

// newRelay listens on listen, for connections to relay to backend, each
// direction held for hold.
func newRelay(listen, backend string, hold time.Duration) (*relay, error) {
	baddr, err := net.ResolveTCPAddr("tcp", backend)
	if err != nil {
		return nil, fmt.Errorf("--backend %s: %w", backend, err)
	}
	laddr, err := net.ResolveTCPAddr("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", listen, err)
	}
	r := &relay{hold: hold, backend: sockaddr(baddr), events: make([]unix.EpollEvent, 256)}
	if r.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	if r.lfd, err = listenTCP(laddr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", listen, err)
	}
	if r.tfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC); err != nil {
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	if r.efd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	for _, fd := range []int{r.lfd, r.tfd, r.efd} {
		if err := unix.EpollCtl(r.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			return nil, fmt.Errorf("epoll: %w", err)
		}
	}
	return r, nil
}

func sockaddr(a *net.TCPAddr) unix.Sockaddr {
	if ip4 := a.IP.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: a.Port}
		copy(sa.Addr[:], ip4)
		return sa
	}
	sa := &unix.SockaddrInet6{Port: a.Port}
	copy(sa.Addr[:], a.IP.To16())
	return sa
}

func family(sa unix.Sockaddr) int {
	if _, ok := sa.(*unix.SockaddrInet4); ok {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

func listenTCP(a *net.TCPAddr) (int, error) {
	sa := sockaddr(a)
	fd, err := unix.Socket(family(sa), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, sa); err != nil {
		return -1, err
	}
	return fd, unix.Listen(fd, 4096)
}

// addr is the address the relay listens on.
func (r *relay) addr() string {
	sa, err := unix.Getsockname(r.lfd)
	if err != nil {
		return "?"
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return "?"
}

// stop ends run from another goroutine.
func (r *relay) stop() {
	var one [8]byte
	one[0] = 1
	_, _ = unix.Write(r.efd, one[:])
}

// run serves until stop.
func (r *relay) run() error {
	for !r.stopped {
		n, err := unix.EpollWait(r.ep, r.events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll: %w", err)
		}
		for i, ev := range r.events[:n] {
			switch fd := int(ev.Fd); fd {
			case r.lfd:
				r.accept()
			case r.tfd:
				var b [8]byte
				_, _, _ = rawIO(unix.SYS_READ, r.tfd, b[:])
				r.armed = time.Time{}
			case r.efd:
				r.stopped = true
			default:
				r.serve(fd, ev.Events)
			}
			if i%flushEvery == flushEvery-1 {
				r.flushDue(time.Now())
			}
		}
		r.flushDue(time.Now())
		r.arm()
	}
	return nil
}

// accept takes every waiting connection and connects each to the backend.
func (r *relay) accept() {
	for {
		cfd, _, err := unix.Accept4(r.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN, or a connection that went away
		}
		bfd, err := r.dialBackend()
		if err != nil {
			_ = unix.Close(cfd)
			continue
		}
		client, server := &sock{fd: cfd}, &sock{fd: bfd}
		up := &direction{src: client, dst: server, buf: make([]byte, 2*minFree)}
		down := &direction{src: server, dst: client, buf: make([]byte, 2*minFree)}
		client.in, client.out = up, down
		server.in, server.out = down, up
		for _, s := range []*sock{client, server} {
			_ = unix.SetsockoptInt(s.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
			for len(r.socks) <= s.fd {
				r.socks = append(r.socks, nil)
			}
			r.socks[s.fd] = s
			s.events = unix.EPOLLIN
			_ = unix.EpollCtl(r.ep, unix.EPOLL_CTL_ADD, s.fd, &unix.EpollEvent{Events: s.events, Fd: int32(s.fd)})
		}
		r.stats.conns++
	}
}

// dialBackend connects to the backend (a blocking connect: the backend is
// on this machine) and makes the socket non-blocking.
func (r *relay) dialBackend() (int, error) {
	fd, err := unix.Socket(family(r.backend), unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, r.backend); err != nil {
		_ = unix.Close(fd)
		return -1, err
	}
	return fd, unix.SetNonblock(fd, true)
}

// serve handles the events of one socket of a relayed connection.
func (r *relay) serve(fd int, events uint32) {
	if fd >= len(r.socks) || r.socks[fd] == nil {
		return
	}
	s := r.socks[fd]
	if events&unix.EPOLLOUT != 0 {
		r.flush(s.out, time.Now())
	}
	if events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 && !s.in.closed {
		r.read(s.in)
	}
}

// read takes what the direction's source has and holds it.
func (r *relay) read(d *direction) {
	if len(d.buf)-d.tail < minFree {
		held := d.tail - d.head
		if d.head > 0 && len(d.buf)-held >= minFree {
			copy(d.buf, d.buf[d.head:d.tail])
		} else {
			nb := make([]byte, 2*len(d.buf))
			copy(nb, d.buf[d.head:d.tail])
			d.buf = nb
		}
		d.head, d.tail = 0, held
	}
	n, errno, _ := rawIO(unix.SYS_READ, d.src.fd, d.buf[d.tail:])
	switch {
	case errno == unix.EAGAIN:
		return
	case errno != 0 || n == 0: // an error, or the peer's close
		r.closePair(d)
		return
	}
	d.tail += n
	due := time.Now().Add(r.hold)
	d.chunks = append(d.chunks, chunk{n: n, due: due})
	r.due = append(r.due, dueEntry{d: d, due: due})
	if d.tail-d.head > maxHeld && !d.paused {
		d.paused = true
		r.want(d.src)
	}
}

// flushDue passes on every chunk that has fallen due.
func (r *relay) flushDue(now time.Time) {
	for r.dueHead < len(r.due) && !r.due[r.dueHead].due.After(now) {
		d := r.due[r.dueHead].d
		r.due[r.dueHead] = dueEntry{}
		r.dueHead++
		if !d.closed {
			r.flush(d, now)
		}
	}
	if r.dueHead == len(r.due) {
		r.due, r.dueHead = r.due[:0], 0
	} else if r.dueHead > 4096 && r.dueHead > len(r.due)/2 {
		r.due = r.due[:copy(r.due, r.due[r.dueHead:])]
		r.dueHead = 0
	}
}

// flush writes the direction's due chunks in one system call; what the
// destination cannot take yet waits for it to have room.
func (r *relay) flush(d *direction, now time.Time) {
	if d.closed {
		return
	}
	k, last := 0, d.chunkHead
	for last < len(d.chunks) && !d.chunks[last].due.After(now) {
		k += d.chunks[last].n
		last++
	}
	if k > 0 {
		w, errno, _ := rawIO(unix.SYS_WRITE, d.dst.fd, d.buf[d.head:d.head+k])
		if errno != 0 && errno != unix.EAGAIN {
			r.closePair(d)
			return
		}
		d.head += w
		r.stats.bytes += int64(w)
		for w > 0 {
			c := &d.chunks[d.chunkHead]
			if w < c.n {
				c.n -= w
				break
			}
			w -= c.n
			r.stats.record(now.Sub(c.due))
			d.chunkHead++
		}
	}
	if d.chunkHead == len(d.chunks) {
		d.chunks, d.chunkHead = d.chunks[:0], 0
	}
	if d.head == d.tail {
		d.head, d.tail = 0, 0
	}
	if d.paused && d.tail-d.head < maxHeld/2 {
		d.paused = false
	}
	r.want(d.src)
	r.want(d.dst)
}

// want asks epoll for the events s needs now: input unless its direction
// is paused, output while due bytes wait for room.
func (r *relay) want(s *sock) {
	ev := uint32(0)
	if !s.in.paused {
		ev |= unix.EPOLLIN
	}
	if o := s.out; o.chunkHead < len(o.chunks) && !o.chunks[o.chunkHead].due.After(time.Now()) {
		ev |= unix.EPOLLOUT
	}
	if ev != s.events && !s.in.closed {
		s.events = ev
		_ = unix.EpollCtl(r.ep, unix.EPOLL_CTL_MOD, s.fd, &unix.EpollEvent{Events: ev, Fd: int32(s.fd)})
	}
}

// closePair closes both sockets of d's connection.
func (r *relay) closePair(d *direction) {
	for _, s := range []*sock{d.src, d.dst} {
		if s.in.closed {
			continue
		}
		s.in.closed = true
		r.socks[s.fd] = nil
		_ = unix.Close(s.fd)
	}
}

// arm sets the timer for the first chunk that is not yet due.
func (r *relay) arm() {
	if r.dueHead == len(r.due) {
		return
	}
	next := r.due[r.dueHead].due
	if !r.armed.IsZero() && r.armed.Equal(next) {
		return
	}
	wait := max(time.Until(next), time.Microsecond)
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(wait))}
	if err := unix.TimerfdSettime(r.tfd, 0, &spec, nil); err == nil {
		r.armed = next
	}
}

// rawIO makes one non-blocking read or write without the scheduler's
// system-call bookkeeping: it never blocks.
func rawIO(trap uintptr, fd int, p []byte) (int, syscall.Errno, bool) {
	if len(p) == 0 {
		return 0, 0, true
	}
	for {
		n, _, errno := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return 0, errno, false
		}
		return int(n), 0, true
	}
}

// record counts a chunk passed on late by late.
func (s *stats) record(late time.Duration) {
	s.chunks++
	us := max(late.Microseconds(), 0)
	s.late[min(bits.Len64(uint64(us)), len(s.late)-1)]++
	s.maxLate = max(s.maxLate, late)
}

// lateBelow returns the bound of the bucket that holds quantile q of the
// chunks' lateness.
func (s *stats) lateBelow(q float64) time.Duration {
	target := int64(q * float64(s.chunks))
	var seen int64
	for i, n := range s.late {
		seen += n
		if seen > target {
			return time.Duration(1<<i) * time.Microsecond
		}
	}
	return s.maxLate
}

// report says what the relay did and what it cost, over elapsed.
func (r *relay) report(elapsed time.Duration) string {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	user := time.Duration(ru.Utime.Nano())
	sys := time.Duration(ru.Stime.Nano())
	return fmt.Sprintf("delayrelay: %s round trip (%s each way); %d connections, %.1f MB in %d chunks over %.1f s; CPU %.2f s user + %.2f s sys (%.0f %% of one CPU); bytes passed on late by p50 < %s, p99 < %s, max %s",
		2*r.hold, r.hold, r.stats.conns, float64(r.stats.bytes)/1e6, r.stats.chunks, elapsed.Seconds(),
		user.Seconds(), sys.Seconds(), 100*(user+sys).Seconds()/elapsed.Seconds(),
		r.stats.lateBelow(0.5), r.stats.lateBelow(0.99), r.stats.maxLate.Round(time.Microsecond))
}
