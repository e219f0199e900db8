//go:build linux

package main

import (
	"syscall"
	"testing"
	"time"
)

// TestReportDevZeroIsRefused runs `amrbench report /dev/zero`, one endless
// line, and the other commands that read result files: the reader gives up at results.MaxLineBytes with one line naming the
// file and line, and exit status 2 (a file that is not a result file), in
// seconds and within a bounded memory; it used to read until the kernel's
// OOM killer stopped it.
func TestReportDevZeroIsRefused(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"report", "/dev/zero"},
		{"compare", "/dev/zero", "/dev/zero"},
		{"merge", "/dev/zero", "/dev/zero"},
		{"plan", "--target-ops", "100k", "--slo", "p99<2ms", "/dev/zero"},
	} {
		cmd, stderr := startProcess(t, args...)
		if code := exitCode(t, cmd, 60*time.Second); code != exitUsage {
			t.Fatalf("%s: exit %d, stderr %q; want %d", args, code, stderr, exitUsage)
		}
		want := "amrbench " + args[0] + ": /dev/zero: line 1: a line longer than 64 MiB, more than any result record holds\n"
		if got := stderr.String(); got != want {
			t.Errorf("%s: stderr %q, want %q", args, got, want)
		}
		// Linux reports the peak resident set in KiB.
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 512<<10 {
			t.Errorf("%s: peak memory %d MiB, want under 512 MiB", args, ru.Maxrss>>10)
		}
	}
}
