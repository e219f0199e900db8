//go:build linux

package main

import (
	"strings"
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

// TestRunSmallFilesAreBounded gives /dev/zero to every flag that names a
// password, key or certificate file: each is refused at 1 MiB with one line
// naming the flag and the file, exit status 2, before anything connects.
func TestRunSmallFilesAreBounded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--password-file", "/dev/zero"}, "--password-file: /dev/zero: larger than 1 MiB"},
		{[]string{"--tls", "--cacert", "/dev/zero"}, "--cacert: /dev/zero: larger than 1 MiB"},
		{[]string{"--tls", "--cert", "/dev/zero", "--key", "/dev/zero"}, "--cert: /dev/zero: larger than 1 MiB"},
		{[]string{"--entra-credential", "client-certificate", "--entra-certificate", "/dev/zero"}, "--entra-certificate: /dev/zero: larger than 1 MiB"},
	} {
		args := append([]string{"run", "-s", "127.0.0.1", "-p", "1", "--duration", "1s"}, tt.args...)
		cmd, stderr := startProcess(t, args...)
		if code := exitCode(t, cmd, 60*time.Second); code != exitUsage {
			t.Fatalf("%s: exit %d, stderr %q; want %d", tt.args, code, stderr, exitUsage)
		}
		if got := stderr.String(); !strings.Contains(got, tt.want) || strings.Count(got, "\n") != 1 {
			t.Errorf("%s: stderr %q, want one line with %q", tt.args, got, tt.want)
		}
	}
}
