//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// tenThousandEnv gates TestTenThousandConnections: it takes a minute or
// more (several with TLS on a busy machine), so the default test run leaves
// it out. Run it with
//
//	AMRBENCH_TEST_10K=1 go test -run TestTenThousandConnections -v ./cmd/amrbench
const tenThousandEnv = "AMRBENCH_TEST_10K"

// maxRSS10K is the most memory the amrbench process may take at its peak
// with 10,000 connections (issue 20).
const maxRSS10K = 300 << 20

// TestTenThousandConnections runs the amrbench binary with 10,000
// connections against a local redis-server (maxclients and the open-file
// limit raised), plain and over TLS: every connection must open and carry
// load, the run must report how long opening took, and without TLS the
// process's peak RSS, as the kernel counted it, must stay under 300 MB. Over
// TLS the peak is logged, not asserted: each connection's TLS state (2 KB)
// and its worker's deeper stack (8 KB rather than 4 KB) put it at 245-300
// MB, with the garbage collector's timing (see docs/performance.md).
func TestTenThousandConnections(t *testing.T) {
	if os.Getenv(tenThousandEnv) == "" {
		t.Skipf("set %s=1 to open 10,000 connections (a minute or more)", tenThousandEnv)
	}
	const conns = 10_000
	raiseOpenFiles(t, conns+200) // amrbench and redis-server each hold one end of every connection
	bin := binary(t)
	s := benchtest.StartServer(t, benchtest.WithTLS("localhost", "127.0.0.1"), benchtest.WithArgs("--maxclients", strconv.Itoa(conns+100)))
	for _, tc := range []struct {
		name      string
		args      []string
		assertRSS bool
	}{
		{"plain", []string{"-s", s.Host, "-p", strconv.Itoa(s.Port)}, true},
		{"tls", []string{"-s", "localhost", "-p", strconv.Itoa(s.TLSPort), "--tls", "--cacert", writeCA(t, s)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			args := append([]string{"run", "--connections", strconv.Itoa(conns), "--connect-concurrency", "32",
				"--duration", "5s", "-q", "--out", dir}, tc.args...)
			cmd := exec.Command(bin, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("amrbench: %v\n%s", err, stderr.String())
			}
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
			run := readRun(t, dir)
			var opened int64
			for _, e := range run.Events {
				if e.Kind == results.EventConnect {
					opened = e.Count
					t.Logf("%s: %s", tc.name, e.Detail)
				}
			}
			if opened != conns {
				t.Fatalf("connect event counted %d connections, want %d", opened, conns)
			}
			var ops int64
			for _, iv := range run.Intervals {
				if all := iv.Commands["GET"]; all != nil {
					ops += all.Count
				}
			}
			if ops < conns {
				t.Fatalf("%d GETs over the run: not every connection carried load", ops)
			}
			t.Logf("%s: %d connections, peak RSS %.0f MB (%.1f KB a connection)", tc.name, conns, float64(rss)/(1<<20), float64(rss)/1024/conns)
			if tc.assertRSS && rss >= maxRSS10K {
				t.Fatalf("peak RSS %.0f MB with %d connections, want under %d MB", float64(rss)/(1<<20), conns, maxRSS10K>>20)
			}
		})
	}
}

// raiseOpenFiles raises the soft limit of open files to at least n (up to
// the hard limit), for this process and the ones it starts.
func raiseOpenFiles(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Fatalf("open files: the hard limit is %d, and the test needs %d (raise it: ulimit -Hn)", lim.Max, n)
	}
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
}

// writeCA writes the server's CA certificate to a file for --cacert.
func writeCA(t *testing.T, s *benchtest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, s.Certs.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
