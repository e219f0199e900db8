package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
)

func TestTerminateBeforeTheEndExits143AndWritesEverything(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	s.ResetStats(t)
	dir := filepath.Join(t.TempDir(), "out")
	cmd, stderr := startProcess(t, runArgs(s, "--duration", "60s", "--interval", "200ms", "--connections", "4", "--out", dir)...)
	waitIntervals(t, dir, 3)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, 15*time.Second); code != exitTerminated {
		t.Fatalf("exit %d after SIGTERM, want %d:\n%s", code, exitTerminated, stderr)
	}
	run := readRun(t, dir)
	if run.Summary == nil || run.Truncated {
		t.Fatalf("after SIGTERM: summary %v, truncated %v", run.Summary != nil, run.Truncated)
	}
	calls := s.CommandCalls(t)
	if got := run.Summary.Commands["GET"].Count; got != calls["get"] {
		t.Fatalf("GET: recorded %d, server counted %d", got, calls["get"])
	}
	if !strings.Contains(stderr.String(), "SIGTERM: stopping") {
		t.Fatalf("stderr does not say what stopped the run:\n%s", stderr)
	}
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
			time.Sleep(300 * time.Millisecond) // it waits in open(2) for a writer
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
