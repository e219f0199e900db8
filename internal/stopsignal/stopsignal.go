package stopsignal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/amrbench/amrbench/results"
)

// Stop is the cause of a context cancelled because a signal asked the
// program to stop: which signal, and when it came.
type Stop struct {
	Signal os.Signal
	At     time.Time
}

func (s Stop) Error() string { return "stopped by " + Name(s.Signal) }

// StoppedBy returns the signal that cancelled ctx, if one did.
func StoppedBy(ctx context.Context) (Stop, bool) {
	var s Stop
	ok := errors.As(context.Cause(ctx), &s)
	return s, ok
}

// Name returns the signal's conventional name: SIGINT, SIGTERM.
func Name(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// ExitCode returns the exit status of a program stopped by sig, as shells
// report it: 128 + its number (130 for SIGINT, 143 for SIGTERM); 130 for a
// signal of no number.
func ExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

// Early reports whether a signal (stopped) came before the
// planned end (zero for a run bounded by requests or steps: any signal is
// before its end).
func Early(stop Stop, stopped bool, plannedEnd time.Time) bool {
	return stopped && (plannedEnd.IsZero() || stop.At.Before(plannedEnd))
}

// Event returns the warning that records a run stopped before its end
// (the summary's verdict is then stopped-early): by a signal before its
// planned end (early), naming the signal and when it came, or else, for a
// run interrupted otherwise, at end. It is nil for a run that was not
// stopped.
func Event(stop Stop, early bool, plannedEnd time.Time, interrupted bool, end time.Time) *results.Event {
	const finished = "; every finished interval is in the results"
	if !early {
		if !interrupted {
			return nil
		}
		return &results.Event{Time: end.UTC(), Kind: results.EventWarning, Code: results.WarnStoppedEarly,
			Detail: "the run was stopped before its end (interrupted)" + finished}
	}
	detail := fmt.Sprintf("%s at %s, before the planned end", Name(stop.Signal), stop.At.UTC().Format(time.RFC3339Nano))
	if !plannedEnd.IsZero() {
		detail = fmt.Sprintf("%s at %s, %s before the planned end", Name(stop.Signal), stop.At.UTC().Format(time.RFC3339Nano), plannedEnd.Sub(stop.At).Round(time.Millisecond))
	}
	return &results.Event{Time: stop.At, Kind: results.EventWarning, Code: results.WarnStoppedEarly, Detail: detail + finished}
}
