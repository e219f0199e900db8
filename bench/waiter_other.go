//go:build !linux

package bench

import "time"

// waiter puts an open-loop worker to sleep until an operation is due, with
// Go's timers (Linux uses a timerfd, which wakes more precisely).
type waiter struct {
	timer *time.Timer
	wake  chan struct{}
}

func newWaiter() (*waiter, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &waiter{timer: t, wake: make(chan struct{}, 1)}, nil
}

// sleep waits d, or until interrupt.
func (w *waiter) sleep(d time.Duration, stopped func() bool) error {
	if d <= 0 || stopped() {
		return nil
	}
	w.timer.Reset(d)
	select {
	case <-w.timer.C:
	case <-w.wake:
		w.timer.Stop()
	}
	return nil
}

// interrupt wakes a sleeping worker now.
func (w *waiter) interrupt() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *waiter) close() { w.timer.Stop() }
