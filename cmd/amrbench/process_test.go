package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// These tests run the built binary as a separate process, to send it the
// signals a user or an operator would.

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain removes the binary the process tests built: each build is 37 MB,
// and a test run must not leave one behind in the temporary directory.
// Started as a delay proxy (benchtest.StartDelayProxy), the binary is one
// instead.
func TestMain(m *testing.M) {
	if benchtest.DelayProxyMain() {
		return
	}
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "amrbench-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "amrbench")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return binPath
}

// startProcess starts amrbench with args and returns it with its stderr.
func startProcess(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &bytes.Buffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, &stderr
}

// waitIntervals waits until the result file in dir holds n intervals.
func waitIntervals(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if run, err := results.ReadFile(dir); err == nil && len(run.Intervals) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %d intervals in %s within 20 s", n, dir)
}

func exitCode(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return exitErr.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		t.Fatalf("amrbench did not exit within %s", limit)
		return -1
	}
}

func TestSecondInterruptExitsAtOnce(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	cmd, _ := startProcess(t, runArgs(s, "--duration", "60s", "--interval", "200ms", "--connections", "2", "--timeout", "30s", "--out", dir)...)
	waitIntervals(t, dir, 2)
	// Stall the server so the first Ctrl-C has operations in flight to wait
	// for; the second must not wait for them.
	go func() { _ = s.Admin.Do(context.Background(), "DEBUG", "SLEEP", "5").Err() }()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	_ = cmd.Process.Signal(os.Interrupt)
	time.Sleep(100 * time.Millisecond)
	_ = cmd.Process.Signal(os.Interrupt)
	if code := exitCode(t, cmd, 10*time.Second); code != exitSignaled {
		t.Fatalf("exit %d after two interrupts, want %d", code, exitSignaled)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("the second interrupt took %s to end the process", waited)
	}
}

func TestKilledRunKeepsFinishedIntervals(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	cmd, _ := startProcess(t, runArgs(s, "--duration", "60s", "--interval", "100ms", "--connections", "4", "--out", dir)...)
	waitIntervals(t, dir, 5)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	run := readRun(t, dir)
	if run.Summary != nil || len(run.Intervals) < 5 {
		t.Fatalf("killed run: summary %v, %d intervals", run.Summary != nil, len(run.Intervals))
	}
	for i, iv := range run.Intervals {
		if iv.Index != int64(i) {
			t.Fatalf("interval %d has index %d", i, iv.Index)
		}
	}
	if sum, err := run.Summarize(); err != nil || sum.Commands["ALL"].Count == 0 {
		t.Fatalf("summary of the killed run: %v %v", sum, err)
	}
}

// TestTooFewFileDescriptorsExit1 runs amrbench under a descriptor limit
// that its connections do not fit in: it refuses before opening them, says
// what the limit must be raised to, and exits 1 (this machine's limit, not
// a wrong flag), leaving no result file behind.
func TestTooFewFileDescriptorsExit1(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	args := append([]string{"-c", `ulimit -n 200 && exec "$0" "$@"`, binary(t)}, runArgs(s, "--connections", "300", "-n", "1000", "--out", dir)...)
	cmd := exec.Command("sh", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, 20*time.Second); code != exitFailed {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, &stderr)
	}
	want := "needs 300 file descriptors for its connections plus 64 spare, but this process may open only 200: raise ulimit -n to 364 or lower --connections"
	if !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr does not say %q:\n%s", want, &stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, results.FileName)); !os.IsNotExist(err) {
		t.Fatalf("a refused run left a result file: %v", err)
	}
}
