//go:build !linux

package openloop

import "time"

// Waiter puts an open-loop worker to sleep until an operation is due, with
// Go's timers (Linux uses a timerfd, which wakes more precisely).
type Waiter struct {
	timer *time.Timer
	wake  chan struct{}
}

// NewWaiter returns a waiter; Close releases it.
func NewWaiter() (*Waiter, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Waiter{timer: t, wake: make(chan struct{}, 1)}, nil
}

// Sleep waits d, or until Interrupt.
func (w *Waiter) Sleep(d time.Duration, stopped func() bool) error {
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

// Interrupt wakes a sleeping worker now.
func (w *Waiter) Interrupt() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Close releases the waiter.
func (w *Waiter) Close() { w.timer.Stop() }
