package openloop

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Waiter puts an open-loop worker to sleep until an operation is due. Go's
// timers wake a sleeping process up to a millisecond late (the runtime's
// epoll wait has millisecond resolution when nothing else runs), and in an
// open loop that lateness would be counted in every response time. A timerfd
// read through Go's poller wakes within tens of microseconds.
type Waiter struct {
	file *os.File
	fd   int
	buf  [8]byte
}

// NewWaiter returns a waiter; Close releases it.
func NewWaiter() (*Waiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("create timerfd: %w", err)
	}
	return &Waiter{file: os.NewFile(uintptr(fd), "timerfd"), fd: fd}, nil
}

// Sleep waits d, or until Interrupt; stopped is checked once the timer is
// armed, so an interrupt cannot be lost between the two.
func (w *Waiter) Sleep(d time.Duration, stopped func() bool) error {
	if d <= 0 {
		return nil
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(w.fd, 0, &spec, nil); err != nil {
		return fmt.Errorf("arm timerfd: %w", err)
	}
	if stopped() {
		return nil
	}
	if _, err := w.file.Read(w.buf[:]); err != nil {
		return fmt.Errorf("read timerfd: %w", err)
	}
	return nil
}

// Interrupt wakes a sleeping worker now.
func (w *Waiter) Interrupt() {
	spec := unix.ItimerSpec{Value: unix.Timespec{Nsec: 1}}
	_ = unix.TimerfdSettime(w.fd, 0, &spec, nil)
}

// Close releases the waiter.
func (w *Waiter) Close() { _ = w.file.Close() }
