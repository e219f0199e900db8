package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/stopsignal"
	"github.com/amrbench/amrbench/results"
)

// TestASignalBeforeTheEndIsRecorded stops a run with each signal: it
// writes everything it finished (its counts the server's), records which
// signal stopped it and when, and exits as documented.
func TestASignalBeforeTheEndIsRecorded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
	}{
		{syscall.SIGTERM, exitTerminated}, // what an eviction or a drain sends
		{syscall.SIGINT, exitOK},          // Ctrl-C stops a run cleanly, as documented
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			t.Parallel()
			s := benchtest.StartServer(t)
			s.ResetStats(t)
			dir := filepath.Join(t.TempDir(), "out")
			cmd, stderr := startProcess(t, runArgs(s, "--duration", "60s", "--interval", "200ms", "--connections", "4", "--out", dir)...)
			waitIntervals(t, dir, 3)
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			if code := exitCode(t, cmd, 15*time.Second); code != tt.want {
				t.Fatalf("exit %d after %s, want %d:\n%s", code, tt.sig, tt.want, stderr)
			}
			run := readRun(t, dir)
			if run.Summary == nil || run.Truncated {
				t.Fatalf("after %s: summary %v, truncated %v", tt.sig, run.Summary != nil, run.Truncated)
			}
			// The verdict records the exit status the run returned.
			if v := run.Summary.Verdict; v == nil || v.ExitCode != tt.want {
				t.Fatalf("after %s: verdict %+v, want exit_code %d", tt.sig, v, tt.want)
			}
			calls := s.CommandCalls(t)
			if got := run.Summary.Commands["GET"].Count; got != calls["get"] {
				t.Fatalf("GET: recorded %d, server counted %d", got, calls["get"])
			}
			for _, name := range []string{"summary.txt", "ALL.hgrm", "intervals.hlog"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Errorf("after %s: %v", tt.sig, err)
				}
			}
			name := stopsignal.Name(tt.sig)
			if !strings.Contains(stderr.String(), name+": stopping") {
				t.Fatalf("stderr does not say what stopped the run:\n%s", stderr)
			}
			var stops []string
			for _, e := range run.Events {
				if e.Code == results.WarnStoppedEarly {
					stops = append(stops, e.Detail)
					if d := e.Time.Sub(sent).Abs(); d > time.Second {
						t.Errorf("the stop is recorded at %s, %s from when the signal was sent", e.Time, d)
					}
				}
			}
			if len(stops) != 1 || !strings.HasPrefix(stops[0], name+" at ") || !strings.Contains(stops[0], "before the planned end") {
				t.Fatalf("stopped events %q, want one for %s", stops, name)
			}
		})
	}
}

// waitInFIFO waits until one of the process's threads waits in open(2) for
// a named pipe's writer.
func waitInFIFO(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "wchan"))
		for _, task := range tasks {
			if b, err := os.ReadFile(task); err == nil && string(b) == "wait_for_partner" {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the command never waited on its named pipe")
}

// fifo makes a named pipe: a command that opens it waits for a writer,
// long enough for a test to signal it.
func fifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "result.jsonl")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEveryOtherCommandStopsOnTheFirstSignal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args func(t *testing.T) []string
		sig  syscall.Signal
		want int
	}{
		{"report interrupted", func(t *testing.T) []string { return []string{"report", fifo(t)} }, syscall.SIGINT, exitSignaled},
		{"report terminated", func(t *testing.T) []string { return []string{"report", fifo(t)} }, syscall.SIGTERM, exitTerminated},
		{"merge terminated", func(t *testing.T) []string {
			return []string{"merge", fifo(t), fifo(t), "-o", filepath.Join(t.TempDir(), "m")}
		}, syscall.SIGTERM, exitTerminated},
		{"compare interrupted", func(t *testing.T) []string { return []string{"compare", fifo(t), fifo(t)} }, syscall.SIGINT, exitSignaled},
		{"plan terminated", func(t *testing.T) []string {
			return []string{"plan", fifo(t), "--target-ops", "1000", "--slo", "p99<2ms"}
		}, syscall.SIGTERM, exitTerminated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(binary(t), tt.args(t)...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			waitInFIFO(t, cmd.Process.Pid) // its signal handler is in place by then
			start := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			if code := exitCode(t, cmd, 5*time.Second); code != tt.want {
				t.Fatalf("exit %d after %s, want %d: %s", code, tt.sig, tt.want, stderr.String())
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %s to stop", d)
			}
		})
	}
}
