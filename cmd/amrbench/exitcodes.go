package main

import (
	"fmt"
	"strings"

	"github.com/amrbench/amrbench/results"
)

// Exit statuses: the one table behind the README's, run --help's and
// k8s-job's (its podFailurePolicy) lists of them.
const (
	exitOK = 0
	// exitFailed: the run could not be done (could not connect, every
	// operation failed, an open loop could not offer its rate, a file could
	// not be written), or plan found no size.
	exitFailed = 1
	exitUsage  = 2
	// exitErrorBudget: more operations failed (or the connections were
	// down for more of the time) than --max-error-rate allows, or every
	// step of a --find-max that met none failed operations. It wins over
	// exitSLOMissed: the latency of a failing run is not evidence.
	exitErrorBudget = 98
	// exitSLOMissed: a latency objective (--slo) was missed; k6's code for
	// failed thresholds.
	exitSLOMissed = 99
	// exitSignaled: a second Ctrl-C (SIGINT), which quits at once.
	exitSignaled = 130
	// exitTerminated: SIGTERM before the planned end (a drain, an
	// eviction): stopped early, everything finished is written.
	exitTerminated = 143
)

// exitStatuses is the table of exit statuses, for --help and the README.
var exitStatuses = []struct {
	code    int
	meaning string
}{
	{exitOK, "ok (also after one Ctrl-C, which stops cleanly and writes everything)"},
	{exitFailed, "the run could not be done (could not connect, every operation failed, an open loop could not offer its rate, a file could not be written), or plan found no size"},
	{exitUsage, "usage error (a bad flag or value)"},
	{exitErrorBudget, "more operations failed than --max-error-rate allows (default 1 %; 100 % turns it off), or every step of a --find-max that met none had failed operations"},
	{exitSLOMissed, "a latency objective (--slo) was missed: with --rate, --rate-ramp, --find-max (no step met it) or a closed loop"},
	{exitSignaled, "a second Ctrl-C: quit at once"},
	{exitTerminated, "SIGTERM before the planned end (drain, eviction): stopped early, everything finished is written"},
}

// exitStatusHelp lists the exit statuses for --help.
func exitStatusHelp() string {
	var b strings.Builder
	b.WriteString("\n\nExit status:")
	for _, s := range exitStatuses {
		fmt.Fprintf(&b, "\n  %3d  %s", s.code, s.meaning)
	}
	b.WriteString("\nWhen both 98 and 99 apply, 98 wins: the latency of a failing run is not evidence.")
	return b.String()
}

// verdictExitCode is the exit status of a run whose verdict has status.
func verdictExitCode(status string) int {
	switch status {
	case results.StatusFailed, results.StatusNotOffered:
		return exitFailed
	case results.StatusErrorBudget:
		return exitErrorBudget
	case results.StatusSLOMissed:
		return exitSLOMissed
	}
	return exitOK
}

// setExitCode records in a run's verdict the exit status the run returns
// (or, for a merged or re-rendered run, would return).
func setExitCode(s *results.Summary) {
	if s.Verdict != nil {
		s.Verdict.ExitCode = verdictExitCode(s.Verdict.Status)
	}
}

// exitError ends a command with its own exit status, after its message.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// verdictError returns the error that ends a run with its verdict's exit
// status, or nil for one that exits 0.
func verdictError(v *results.Verdict) error {
	if v == nil || v.ExitCode == exitOK {
		return nil
	}
	why := v.Status
	if len(v.Reasons) > 0 {
		why += ": " + v.Reasons[0]
	}
	return exitError{code: v.ExitCode, err: fmt.Errorf("verdict %s", why)}
}

// measuredVerdict reports whether a verdict judges what a run measured: an
// error budget exceeded, an objective missed, a rate not offered, or a
// stop. A segment's such verdict is partial: merge judges the test
// (run --verdict-exit=false). A run that measured nothing (failed) could
// not be done, whatever else decides.
func measuredVerdict(v *results.Verdict) bool {
	return v != nil && v.Status != results.StatusFailed
}
