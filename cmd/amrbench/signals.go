package main

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// stopSignal is the cause of a context cancelled because a signal asked the
// program to stop: which signal, and when it came.
type stopSignal struct {
	sig os.Signal
	at  time.Time
}

func (s stopSignal) Error() string { return "stopped by " + signalName(s.sig) }

// stoppedBy returns the signal that cancelled ctx, if one did.
func stoppedBy(ctx context.Context) (stopSignal, bool) {
	var s stopSignal
	ok := errors.As(context.Cause(ctx), &s)
	return s, ok
}

// signalName returns the signal's conventional name.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// signalExitCode returns the exit status of a program stopped by sig, as
// shells report it: 128 + its number (130 for SIGINT, 143 for SIGTERM).
func signalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitSignaled
}
