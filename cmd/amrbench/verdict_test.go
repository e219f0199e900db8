package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// TestServerKilledAndRestarted kills redis-server 2 s into a 6 s run and
// starts it again on its port 2 s later. Only replies that succeeded are
// throughput, so the run's ops/s stays at or below the healthy rate; the
// failures are connection errors; the connections back off while the server
// is down, and the reconnects the run counts are exactly the connections
// the restarted server accepted; the connections were down a third of the
// run, so the verdict is error-budget, exit 98. In a closed loop the
// connections send nothing while down; in an open loop what falls due
// meanwhile fails at once.
func TestServerKilledAndRestarted(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"closed loop", nil},
		{"open loop", []string{"--rate", "2000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const conns = 4
			s := benchtest.StartServer(t)
			dir := filepath.Join(t.TempDir(), "out")
			cmd, stderr := startProcess(t, runArgs(s, append([]string{"--duration", "6s", "--connections", "4", "--out", dir,
				"--server-stats=false"}, tc.args...)...)...)
			waitIntervals(t, dir, 2)
			s.Stop()
			time.Sleep(2 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := s.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			code := exitCode(t, cmd, 30*time.Second)
			accepted := s.ConnectionsReceived(t) - 1 // less the one that asked
			if code != exitErrorBudget {
				t.Fatalf("exit %d, want %d:\n%s", code, exitErrorBudget, stderr)
			}
			run := readRun(t, dir)
			sum := run.Summary
			var healthy float64
			for _, iv := range run.Intervals {
				all, errs := intervalTotals(iv)
				if errs == 0 {
					healthy = max(healthy, float64(all)/iv.Duration().Seconds())
				}
			}
			all := sum.Commands[results.AllCommands]
			if all.OpsPerSec > healthy || all.OpsPerSec <= 0 {
				t.Errorf("%.0f ops/s over the run, the healthiest interval %.0f: failures counted as throughput", all.OpsPerSec, healthy)
			}
			if p50, _ := all.Response.At(50); p50 < 10 {
				t.Errorf("p50 %d µs: failures in the latency of successes", p50)
			}
			for class, n := range all.Errors {
				if n > 0 && class != results.ErrConnection {
					t.Errorf("%d errors of class %s; a killed server fails connections", n, class)
				}
			}
			if all.Errors[results.ErrConnection] < conns {
				t.Errorf("%d connection errors, want at least the %d operations in flight", all.Errors[results.ErrConnection], conns)
			}
			// Each connection reopened once or a few times (a new one can
			// fail as the server starts), never a hot loop, and exactly what
			// the server saw.
			if sum.Reconnects != accepted || sum.Reconnects < conns || sum.Reconnects > 3*conns*2 {
				t.Errorf("%d reconnects counted, the restarted server accepted %d; want equal, from %d to %d", sum.Reconnects, accepted, conns, 3*conns*2)
			}
			v := sum.Verdict
			if v.Status != results.StatusErrorBudget || v.ExitCode != exitErrorBudget || v.UnavailableShare < 0.2 {
				t.Errorf("verdict %+v", v)
			}
			if sum.BackoffS < conns*1.5 {
				t.Errorf("the connections were down %.1f s in all; want about 2 s each", sum.BackoffS)
			}
			kinds := map[string]bool{}
			for _, e := range run.Events {
				kinds[e.Kind] = true
			}
			if !kinds[results.EventUnreachable] || !kinds[results.EventReachable] || len(sum.ErrorSamples[results.ErrConnection]) == 0 {
				t.Errorf("events %v, connection messages %q: want the outage and its messages recorded", kinds, sum.ErrorSamples[results.ErrConnection])
			}
			if !strings.Contains(stderr.String(), "UNREACHABLE") {
				t.Errorf("no live line said the server was unreachable:\n%s", stderr)
			}
			t.Logf("%.0f ops/s (healthiest interval %.0f), errors %v, %d reconnects (the server accepted %d), down %.1f s; %s",
				all.OpsPerSec, healthy, all.Errors, sum.Reconnects, accepted, sum.BackoffS, strings.Join(v.Reasons, "; "))
		})
	}
}

// intervalTotals returns an interval's successful operations and failures.
func intervalTotals(iv *results.Interval) (ok, failed int64) {
	for _, cs := range iv.Commands {
		ok += cs.Count
		failed += cs.ErrorCount()
	}
	return ok, failed
}

// TestExitStatusSaysTheVerdict runs each verdict against a real server:
// an objective missed in every mode (an objective no server meets: a
// median under a microsecond), errors above the budget (a server out of
// memory with noeviction, an ACL user who may not GET), and a clean run.
// The server's own error text is in the result file and the summary.
func TestExitStatusSaysTheVerdict(t *testing.T) {
	t.Parallel()
	plain := benchtest.StartServer(t)
	oom := benchtest.StartServer(t, benchtest.WithArgs("--maxmemory", "1mb", "--maxmemory-policy", "noeviction"))
	acl := benchtest.StartServer(t, benchtest.WithACLUser("bench", "s3cret-pw", "~* +@all -get"))
	full := benchtest.StartServer(t, benchtest.WithArgs("--maxmemory", "1", "--maxmemory-policy", "noeviction"))
	const never = "p50<1us"
	tests := []struct {
		name    string
		server  *benchtest.Server
		args    []string
		code    int
		status  string
		class   results.ErrorClass
		message string // in the result file and summary.txt
	}{
		{"ok", plain, []string{"-n", "2000", "--slo", "p99<10s"}, exitOK, results.StatusOK, "", ""},
		{"closed loop misses its objective", plain, []string{"-n", "2000", "--slo", never}, exitSLOMissed, results.StatusSLOMissed, "", ""},
		{"--rate misses its objective", plain, []string{"--rate", "300", "--duration", "1s", "--slo", never}, exitSLOMissed, results.StatusSLOMissed, "", ""},
		{"--rate-ramp misses its objective", plain, []string{"--rate-ramp", "200:400:200:1s", "--slo", never}, exitSLOMissed, results.StatusSLOMissed, "", ""},
		{"--find-max finds no rate", plain, []string{"--find-max", "--rate", "200", "--slo", never, "--step-duration", "500ms", "--find-max-steps", "2"}, exitSLOMissed, results.StatusSLOMissed, "", ""},
		// Every SET fails (OOM), within a 50 % budget, and every reply is
		// fast: no step met its objectives for its failures, not its latency.
		{"--find-max fails only by errors", full, []string{"--find-max", "--rate", "200", "--slo", "p99<10s", "--step-duration", "500ms", "--find-max-steps", "2", "--max-error-rate", "50%"}, exitErrorBudget, results.StatusErrorBudget, results.ErrOOM, "OOM command not allowed when used memory > 'maxmemory'"},
		{"out of memory", oom, []string{"-n", "4000", "--ratio", "1:1", "-d", "1000"}, exitErrorBudget, results.StatusErrorBudget, results.ErrOOM, "OOM command not allowed when used memory > 'maxmemory'"},
		{"no permission to GET", acl, []string{"-n", "2000", "--user", "bench", "-a", "s3cret-pw"}, exitErrorBudget, results.StatusErrorBudget, results.ErrNoPerm, "no permissions to run the 'get' command"},
		{"the budget turned off", acl, []string{"-n", "2000", "--user", "bench", "-a", "s3cret-pw", "--max-error-rate", "100%"}, exitOK, results.StatusOK, results.ErrNoPerm, "NOPERM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "out")
			res := cli(t, nil, runArgs(tt.server, append([]string{"--connections", "2", "--interval", "500ms", "--out", dir, "-q"}, tt.args...)...)...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", res.code, tt.code, res.stderr)
			}
			run := readRun(t, dir)
			v := run.Summary.Verdict
			if v == nil || v.Status != tt.status || v.ExitCode != tt.code {
				t.Fatalf("verdict %+v, want %s", v, tt.status)
			}
			if tt.code != exitOK && !strings.Contains(res.stderr, "verdict "+tt.status) {
				t.Errorf("stderr does not give the verdict:\n%s", res.stderr)
			}
			if tt.class == "" {
				return
			}
			if run.Summary.Commands[results.AllCommands].Errors[tt.class] == 0 {
				t.Fatalf("errors %v, want class %s", run.Summary.Commands[results.AllCommands].Errors, tt.class)
			}
			var event bool
			for _, e := range run.Events {
				event = event || (e.Kind == results.EventError && e.Class == tt.class && strings.Contains(e.Detail, tt.message))
			}
			summaryTxt, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if !event || !strings.Contains(string(summaryTxt), tt.message) {
				t.Fatalf("the server's %q: in an error event %v, in summary.txt:\n%s", tt.message, event, summaryTxt)
			}
			for _, f := range []string{results.FileName, "summary.txt", "report.html"} {
				if b, _ := os.ReadFile(filepath.Join(dir, f)); strings.Contains(string(b), "s3cret-pw") {
					t.Errorf("%s holds the password", f)
				}
			}
		})
	}
}

// TestOpenLoopBeyondTheClientEndsOnTime offers far more than the client
// can send (2M ops/s from 4 connections on one CPU, ten times and more what
// it manages) for 3 s: the run ends at its duration plus the replies in
// flight, every interval is its second long, and the operations never sent
// are dropped, counted, and make the verdict not-offered (exit 1).
func TestOpenLoopBeyondTheClientEndsOnTime(t *testing.T) {
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	cmd, stderr := startProcess(t, runArgs(s, "--rate", "2M", "--duration", "3s", "--connections", "4", "--cpus", "1", "--timeout", "1s", "--out", dir)...)
	code := exitCode(t, cmd, 60*time.Second)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, stderr)
	}
	run := readRun(t, dir)
	var first time.Time
	for i, iv := range run.Intervals {
		if !iv.Measured() {
			continue
		}
		if first.IsZero() {
			first = iv.Start
		}
		d := iv.Duration()
		last := i == len(run.Intervals)-1
		if (!last && (d < 990*time.Millisecond || d > 1010*time.Millisecond)) || (last && d > 2*time.Second) {
			t.Errorf("interval %d lasted %s", iv.Index, d)
		}
	}
	end := run.Intervals[len(run.Intervals)-1].End
	if took := end.Sub(first); took > 5*time.Second {
		t.Errorf("the measured window lasted %s; want at most 3 s + the 1 s timeout + 1 s", took)
	}
	sum := run.Summary
	all := sum.Commands[results.AllCommands]
	if sum.Dropped == 0 || all.OpsPerSec > 200_000 || sum.Verdict.Status != results.StatusNotOffered || !sum.Verdict.LowerBound {
		t.Fatalf("%d dropped at %.0f ops/s, verdict %+v", sum.Dropped, all.OpsPerSec, sum.Verdict)
	}
	// Every operation due is accounted for: sent, or dropped.
	if due := all.Issued() + sum.Dropped; due < 5_900_000 || due > 6_000_000 {
		t.Errorf("%d sent and %d dropped of 6,000,000 due", all.Issued(), sum.Dropped)
	}
	t.Logf("%.0f ops/s achieved of 2M offered, %d dropped; %s", all.OpsPerSec, sum.Dropped, strings.Join(sum.Verdict.Reasons, "; "))
}

// TestOneCPUClientIsFlaggedClientBound saturates a client allowed one CPU
// (--cpus 1) with a closed loop of many pipelined connections: the client,
// not the server, sets the pace, and the result file and the summary say
// the throughput is a lower bound of the cache's capacity, however the
// connections wait for their replies (--reply-wait park, poll, auto: a
// polling client's CPU is spent by design, so the CPU it waited for is the
// evidence). The client runs at the lowest priority (nice 19) on a CPU a
// busy loop holds, and the server on the other: the client is the limit
// whatever else the machine runs.
func TestOneCPUClientIsFlaggedClientBound(t *testing.T) {
	nice, err := exec.LookPath("nice")
	if err != nil {
		t.Skip("no nice on PATH")
	}
	s := benchtest.StartServer(t)
	pinServer(t, s)
	loop := onCPU1("sh", "-c", "while :; do :; done")
	busy := exec.Command(loop[0], loop[1:]...)
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Process.Kill(); _ = busy.Wait() })
	var parked *results.Run
	var parkedDir string
	runs := t.TempDir() // the parked run's directory outlives its subtest
	for _, wait := range []string{"park", "poll", "auto"} {
		t.Run(wait, func(t *testing.T) {
			dir := filepath.Join(runs, wait)
			argv := append(onCPU1(nice, "-n", "19", binary(t)), runArgs(s, "--cpus", "1", "--connections", "50", "--pipeline", "16", "--duration", "3s", "--sku", "B20", "--reply-wait", wait, "--out", dir)...)
			run := clientBoundRun(t, argv, dir)
			if wait == "park" {
				parked, parkedDir = run, dir
			}
		})
	}
	if parked == nil {
		return
	}
	run, dir := parked, parkedDir

	// plan given only this run, for twice what it achieved: B20's figure
	// is a lower bound, so B20 is left undecided ("≥ X ... run
	// --find-max"), never marked too small.
	need := strconv.Itoa(int(2 * run.Summary.AchievedRate))
	res := cli(t, nil, "plan", "--target-ops", need, "--slo", "p99<10s", "--dataset", "1GB", dir)
	if res.code != exitOK && res.code != exitFailed {
		t.Fatalf("plan: exit %d: %s", res.code, res.stderr)
	}
	want := "measured ? (a lower bound: client-bound; run --find-max)"
	if !strings.Contains(res.stdout, want) || !strings.Contains(res.stdout, "≥ "+units.FormatWhole(run.Summary.AchievedRate)) {
		t.Errorf("plan for %s ops/s does not say B20's ≥ %s is a lower bound (%q):\n%s", need, units.FormatWhole(run.Summary.AchievedRate), want, res.stdout)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "B20 ") && strings.Contains(line, "✗") {
			t.Errorf("plan marks B20 too small from a client-bound run: %q", line)
		}
	}
}

// clientBoundRun runs argv, a run writing to dir whose client must be the
// limit, and checks that result.jsonl and summary.txt say so.
func clientBoundRun(t *testing.T, argv []string, dir string) *results.Run {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	if code := exitCode(t, cmd, 60*time.Second); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, &stderr)
	}
	run := readRun(t, dir)
	c := run.Summary.Client
	if c == nil || !c.Bound || c.CPUBudget != 1 || c.BoundIntervals < 2 {
		t.Fatalf("client %+v: want bound, with a budget of 1 CPU", c)
	}
	bound := 0
	for _, iv := range run.Intervals {
		if iv.Client != nil && iv.Client.Bound {
			bound++
		}
	}
	if bound < c.BoundIntervals {
		t.Errorf("%d intervals flagged in result.jsonl, the summary counts %d", bound, c.BoundIntervals)
	}
	summaryTxt, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"this is a lower bound of the cache's capacity", "the client was the limit"} {
		if !strings.Contains(string(summaryTxt), want) {
			t.Errorf("summary.txt lacks %q:\n%s", want, summaryTxt)
		}
	}
	if !run.Summary.Verdict.LowerBound {
		t.Errorf("verdict %+v: not a lower bound", run.Summary.Verdict)
	}
	t.Logf("client: %+v", c)
	return run
}

// TestEnterprisePolicyAgainstAClusterIsAWarnedFailure drives an OSS cluster
// as one endpoint (--cluster-policy enterprise), as the user did:
// two operations in three get MOVED (-n 1000 per connection, 3,000 in all).
// The warning printed before the run is
// a warning event with its code, the MOVED replies are errors with the
// server's text kept, and the run fails its error budget.
func TestEnterprisePolicyAgainstAClusterIsAWarnedFailure(t *testing.T) {
	t.Parallel()
	c := benchtest.StartCluster(t)
	host, port := c.Seed()
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, "run", "-s", host, "-p", strconv.Itoa(port), "--cluster-policy", "enterprise", "--reply-wait", "park",
		"-n", "1000", "--connections", "3", "--out", dir, "-q")
	if res.code != exitErrorBudget {
		t.Fatalf("exit %d, want %d:\n%s", res.code, exitErrorBudget, res.stderr)
	}
	run := readRun(t, dir)
	sum := run.Summary
	if len(sum.Warnings) == 0 || sum.Warnings[0].Code != results.WarnPolicyMismatch || !strings.Contains(res.stderr, "warning: "+sum.Warnings[0].Detail) {
		t.Fatalf("warnings %+v; stderr:\n%s", sum.Warnings, res.stderr)
	}
	all := sum.Commands[results.AllCommands]
	if moved := all.Errors[results.ErrMoved]; moved == 0 || all.Count+moved != 3000 || sum.ErrorRate < 0.3 {
		t.Fatalf("%d succeeded, errors %v (rate %.2f); want MOVED errors for the keys of the other shards", all.Count, all.Errors, sum.ErrorRate)
	}
	if samples := sum.ErrorSamples[results.ErrMoved]; len(samples) == 0 || !strings.HasPrefix(samples[0], "MOVED ") {
		t.Fatalf("MOVED messages %q", samples)
	}
}

// TestExitStatusesAreDocumented checks that the one table of exit statuses
// is what run --help prints and what the README's table lists, code for
// code.
func TestExitStatusesAreDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "### Exit status\n")
	if !ok {
		t.Fatal("the README has no exit status section")
	}
	table, _, _ = strings.Cut(table, "\n\n###")
	var listed []string
	for _, line := range strings.Split(table, "\n") {
		if code, _, ok := strings.Cut(strings.TrimPrefix(line, "| "), " |"); ok && code != "code" && !strings.HasPrefix(code, "-") {
			listed = append(listed, code)
		}
	}
	var want []string
	for _, s := range exitStatuses {
		want = append(want, strconv.Itoa(s.code))
	}
	if strings.Join(listed, ",") != strings.Join(want, ",") {
		t.Errorf("the README lists exit statuses %v, the code has %v", listed, want)
	}
	res := cli(t, nil, "run", "--help")
	for _, s := range exitStatuses {
		if !strings.Contains(res.stdout, fmt.Sprintf("%3d  %s", s.code, s.meaning)) {
			t.Errorf("run --help lacks exit status %d", s.code)
		}
	}
	for status, code := range map[string]int{results.StatusOK: 0, results.StatusStoppedEarly: 0, results.StatusFailed: 1,
		results.StatusNotOffered: 1, results.StatusErrorBudget: 98, results.StatusSLOMissed: 99} {
		if got := verdictExitCode(status); got != code {
			t.Errorf("verdict %s exits %d, want %d", status, got, code)
		}
	}
}

// TestFindMaxCappedByOneConnection searches with one connection of pipeline
// 1: a thousand ops/s meets p99<10s, a hundred thousand is more than one
// connection carries at its round trip. The answer is the connection's
// limit, not the cache's, and the verdict says so: a lower bound, with a
// connections-busy warning (or, on a machine short of CPU, the client's).
func TestFindMaxCappedByOneConnection(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, runArgs(s, "--connections", "1", "--find-max", "--rate-ramp", "1000:100000:99000", "--slo", "p99<10s",
		"--step-duration", "500ms", "--find-max-steps", "2", "--interval", "500ms", "--out", dir, "-q")...)
	if res.code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s", res.code, res.stderr)
	}
	run := readRun(t, dir)
	v := run.Summary.Verdict
	if run.Summary.SLO == nil || run.Summary.SLO.MaxRate != 1000 || v == nil || !v.LowerBound {
		t.Fatalf("search %+v, verdict %+v: want 1,000 ops/s, a lower bound", run.Summary.SLO, v)
	}
	reasons := strings.Join(v.Reasons, " ")
	if !strings.Contains(reasons, "more --connections may hold a higher rate") && !strings.Contains(reasons, "the client was the limit") {
		t.Fatalf("reasons %q name neither the connections nor the client", v.Reasons)
	}
	if c := run.Summary.Client; (c == nil || !c.Bound) && !strings.Contains(reasons, "--connections") {
		t.Fatalf("a client not at its limit, and the connections not named: %q", v.Reasons)
	}
}

// TestRateBeyondOneConnectionNamesTheConnections asks one connection of
// pipeline 1 for 200,000 ops/s, far more than it carries at its round trip:
// the verdict, not-offered, names the connection as the limit, not the
// client, unless the client was short of CPU too.
func TestRateBeyondOneConnectionNamesTheConnections(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := cli(t, nil, runArgs(s, "--connections", "1", "--rate", "200k", "--duration", "1s", "--interval", "500ms", "--out", dir, "-q")...)
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d:\n%s", res.code, exitFailed, res.stderr)
	}
	run := readRun(t, dir)
	v := run.Summary.Verdict
	if v == nil || v.Status != results.StatusNotOffered || len(v.Reasons) == 0 {
		t.Fatalf("verdict %+v, want not-offered", v)
	}
	if c := run.Summary.Client; (c == nil || !c.Bound) && !strings.Contains(v.Reasons[0], "its 1 connection (pipeline 1) could not carry the rate") {
		t.Fatalf("a client not at its limit, and the connection not named: %q", v.Reasons)
	}
}
