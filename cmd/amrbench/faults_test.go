package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// The fault matrix: each test runs amrbench as a process against a real
// redis-server it starts, does something bad to the server, the network or
// the disk mid-run, and checks the same three things: every interval that
// finished is on disk (and the summary is their sum), successes and
// failures add up to the operations issued (against the server's INFO
// commandstats, and for an open loop against the schedule: issued and
// dropped make the operations due), and the exit status is the documented
// one. Faults that other tests already cover are named in faultsElsewhere.
//
// faultsElsewhere, for the reader: server killed and restarted
// (TestServerKilledAndRestarted), maxmemory reached
// (TestExitStatusSaysTheVerdict/out_of_memory), an Entra token whose
// refresh fails (TestEntraCredentialFailsMidRun), a slot migration
// (bench's TestSlotMigrationLeavesNoOperationUnaccounted), a cluster
// failover (bench's TestFailoverShowsTheOutageAndTheRecovery), kill -9
// (TestKilledRunKeepsFinishedIntervals).

// faultRun is a run of amrbench under a fault, read back.
type faultRun struct {
	code   int
	stderr string
	run    *results.Run
}

// runWithFault starts amrbench with args (which name --out dir), calls
// inject once after intervals are on disk, waits for the process and reads
// its result file.
func runWithFault(t *testing.T, args []string, dir string, after int, inject func()) faultRun {
	t.Helper()
	cmd, stderr := startProcess(t, args...)
	waitIntervals(t, dir, after)
	inject()
	code := exitCode(t, cmd, 60*time.Second)
	return faultRun{code: code, stderr: stderr.String(), run: readRun(t, dir)}
}

// operations are a run's counts of one command, or of ALL.
type operations struct {
	ok, failed int64
	errors     map[results.ErrorClass]int64
}

func (o operations) issued() int64 { return o.ok + o.failed }

// checkFinished checks what every fault must leave: intervals numbered
// from 0 without a gap, at least want of them, a summary whose counts are
// the intervals' sums (successes and failures per class, per command),
// and the documented exit status, which the verdict records. It returns
// the ALL command's counts.
func checkFinished(t *testing.T, fr faultRun, want, code int) operations {
	t.Helper()
	if fr.code != code {
		t.Fatalf("exit %d, want %d:\n%s", fr.code, code, fr.stderr)
	}
	run := fr.run
	if len(run.Intervals) < want {
		t.Fatalf("%d intervals on disk, want at least %d", len(run.Intervals), want)
	}
	sums := map[string]*operations{}
	for i, iv := range run.Intervals {
		if iv.Index != int64(i) {
			t.Fatalf("interval %d has index %d: an interval is missing", i, iv.Index)
		}
		for name, cs := range iv.Commands {
			for _, key := range []string{name, results.AllCommands} { // intervals hold no ALL
				o := sums[key]
				if o == nil {
					o = &operations{errors: map[results.ErrorClass]int64{}}
					sums[key] = o
				}
				o.ok += cs.Count
				o.failed += cs.ErrorCount()
				for class, n := range cs.Errors {
					o.errors[class] += n
				}
			}
		}
	}
	sum := run.Summary
	if sum == nil {
		t.Fatal("no summary")
	}
	for name, cs := range sum.Commands {
		o := sums[name]
		if o == nil {
			t.Fatalf("%s in the summary, in no interval", name)
		}
		if cs.Count != o.ok || cs.ErrorCount() != o.failed {
			t.Errorf("%s: summary %d ok %d failed, intervals %d ok %d failed", name, cs.Count, cs.ErrorCount(), o.ok, o.failed)
		}
	}
	if v := sum.Verdict; v == nil || v.ExitCode != code {
		t.Errorf("verdict %+v, want exit %d", v, code)
	}
	all := sums[results.AllCommands]
	if all == nil {
		t.Fatal("no ALL command in the intervals")
	}
	if all.errors[results.ErrOther] != 0 {
		t.Errorf("%d errors of class other: a fault's errors must have their class", all.errors[results.ErrOther])
	}
	return *all
}

// checkServerSaw checks the server's counts of GET and SET against the
// run's: it cannot have executed fewer than the run saw succeed, nor more
// than were issued (an operation that failed in flight — a timeout, a
// closed connection — may or may not have run).
func checkServerSaw(t *testing.T, s *benchtest.Server, fr faultRun) {
	t.Helper()
	stats := s.CommandStats(t)
	var ok, issued int64
	for _, name := range []string{"GET", "SET"} {
		if cs := fr.run.Summary.Commands[name]; cs != nil {
			ok += cs.Count
			issued += cs.Issued()
		}
	}
	ran := stats["get"].Calls + stats["set"].Calls
	if ran < ok || ran > issued {
		t.Errorf("the server ran %d GET and SET; the run saw %d succeed of %d issued", ran, ok, issued)
	}
	t.Logf("server ran %d, run: %d succeeded, %d issued", ran, ok, issued)
}

// checkSchedule checks an open loop's books: at rate for the run's
// duration, the operations due are those issued and those dropped (within
// one per connection and interval, for the schedule's rounding).
func checkSchedule(t *testing.T, fr faultRun, all operations, rate float64, conns int) {
	t.Helper()
	var measured time.Duration
	for _, iv := range fr.run.Intervals {
		if iv.Measured() {
			measured += iv.Duration()
		}
	}
	due := rate * measured.Seconds()
	got := float64(all.issued() + fr.run.Summary.Dropped)
	if slack := float64(conns * (len(fr.run.Intervals) + 1)); math.Abs(got-due) > slack+0.01*due {
		t.Errorf("%d issued and %d dropped; %.0f due in %s at %.0f/s", all.issued(), fr.run.Summary.Dropped, due, measured, rate)
	}
}

// TestServerPausedPastTimeout freezes redis-server (SIGSTOP) for 2.5 s of
// an open loop's 6 s with --timeout 500ms: the operations in flight time
// out, the operations due meanwhile fail, nothing is lost from the
// schedule, and the run says so with exit 98. After SIGCONT the server runs
// what it had read, which the run counted as timeouts: the server ran at
// least the successes and at most the operations issued.
func TestServerPausedPastTimeout(t *testing.T) {
	t.Parallel()
	const rate, conns = 1000, 4
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	fr := runWithFault(t, runArgs(s, "--rate", strconv.Itoa(rate), "--duration", "6s", "--connections", strconv.Itoa(conns),
		"--timeout", "500ms", "--server-stats=false", "--out", dir), dir, 2, func() {
		s.Pause(t)
		time.Sleep(2500 * time.Millisecond)
		s.Resume(t)
	})
	all := checkFinished(t, fr, 6, exitErrorBudget)
	checkSchedule(t, fr, all, rate, conns)
	checkServerSaw(t, s, fr)
	if all.errors[results.ErrTimeout] < conns {
		t.Errorf("errors %v: want a timeout at least for each connection's operation in flight", all.errors)
	}
	if v := fr.run.Summary.Verdict; v.Status != results.StatusErrorBudget {
		t.Errorf("verdict %+v", v)
	}
	t.Logf("errors %v, %d dropped, %d reconnects, down %.1f s", all.errors, fr.run.Summary.Dropped, fr.run.Summary.Reconnects, fr.run.Summary.BackoffS)
}

// TestEveryConnectionKilled has the server close every client connection
// (CLIENT KILL TYPE normal) in the middle of a closed loop: only the
// operations in flight fail, each connection reopens once, and a few
// failures in thousands are within the error budget: exit 0. The server
// ran every success and no more than was issued.
func TestEveryConnectionKilled(t *testing.T) {
	t.Parallel()
	const conns = 4
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	var killed int64
	fr := runWithFault(t, runArgs(s, "--duration", "4s", "--connections", strconv.Itoa(conns), "--interval", "500ms",
		"--server-stats=false", "--out", dir), dir, 3, func() {
		n, err := s.Admin.ClientKillByFilter(context.Background(), "TYPE", "normal").Result()
		if err != nil {
			t.Error(err)
		}
		killed = n
	})
	all := checkFinished(t, fr, 8, exitOK)
	checkServerSaw(t, s, fr)
	if killed < conns {
		t.Fatalf("CLIENT KILL closed %d connections, want the run's %d", killed, conns)
	}
	if all.failed > conns || all.failed != all.errors[results.ErrConnection] {
		t.Errorf("errors %v: want at most one connection error per connection, the operation in flight", all.errors)
	}
	if r := fr.run.Summary.Reconnects; r < conns || r > 2*conns {
		t.Errorf("%d reconnects after %d connections were closed", r, conns)
	}
	t.Logf("killed %d, errors %v, %d reconnects", killed, all.errors, fr.run.Summary.Reconnects)
}

// TestNetworkBlackholedFor5s runs an open loop through a relay that, 2 s
// in, passes nothing either way for 5 s and then delivers what it held (a
// network partition that heals): operations time out, reconnects hang
// until the path is back, the run ends on time with every operation due
// issued or dropped, exit 98.
func TestNetworkBlackholedFor5s(t *testing.T) {
	t.Parallel()
	const rate, conns = 500, 4
	s := benchtest.StartServer(t)
	proxy := benchtest.StartDelayProxy(t, s.Addr(), 0)
	dir := filepath.Join(t.TempDir(), "out")
	args := []string{"run", "-s", proxy.Host, "-p", strconv.Itoa(proxy.Port), "--reply-wait", "park",
		"--rate", strconv.Itoa(rate), "--duration", "9s", "--connections", strconv.Itoa(conns), "--timeout", "1s",
		"--server-stats=false", "--out", dir}
	binary(t) // built before the clock starts
	start := time.Now()
	fr := runWithFault(t, args, dir, 2, func() { proxy.Blackhole(t, 5*time.Second) })
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("a 9 s run took %s", took)
	}
	all := checkFinished(t, fr, 9, exitErrorBudget)
	checkSchedule(t, fr, all, rate, conns)
	checkServerSaw(t, s, fr)
	for class, n := range all.errors {
		if class != results.ErrTimeout && class != results.ErrConnection {
			t.Errorf("%d errors of class %s in a partition", n, class)
		}
	}
	if all.errors[results.ErrTimeout] < conns || fr.run.Summary.Verdict.UnavailableShare < 0.2 {
		t.Errorf("errors %v, verdict %+v: want the operations in flight timed out and the partition's time down", all.errors, fr.run.Summary.Verdict)
	}
	// The run ends with the path back: its last intervals succeed.
	last := fr.run.Intervals[len(fr.run.Intervals)-1]
	if ok, failed := intervalTotals(last); ok == 0 || failed != 0 {
		t.Errorf("last interval: %d ok, %d failed; the partition had healed", ok, failed)
	}
	t.Logf("errors %v, %d dropped, %d reconnects, down %.1f s", all.errors, fr.run.Summary.Dropped, fr.run.Summary.Reconnects, fr.run.Summary.BackoffS)
}

// TestACLRuleChangedMidRun takes GET away from the run's user 1.5 s into
// a 4 s closed loop (ACL SETUSER bench -get): from then on every GET fails
// with the server's NOPERM, which the run keeps with its class, and the
// server's counts agree exactly — its GET calls are the run's successes,
// its rejected GETs the run's NOPERM errors, its SETs the run's. Exit 98.
func TestACLRuleChangedMidRun(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t, benchtest.WithACLUser("bench", "s3cret-pw", "~* +@all"))
	dir := filepath.Join(t.TempDir(), "out")
	fr := runWithFault(t, runArgs(s, "--duration", "4s", "--connections", "2", "--interval", "500ms", "--user", "bench",
		"--password-file", writePassword(t, "s3cret-pw"), "--server-stats=false", "--out", dir), dir, 3, func() {
		if err := s.Admin.Do(context.Background(), "ACL", "SETUSER", "bench", "-get").Err(); err != nil {
			t.Error(err)
		}
	})
	all := checkFinished(t, fr, 8, exitErrorBudget)
	stats := s.CommandStats(t)
	get, set := fr.run.Summary.Commands["GET"], fr.run.Summary.Commands["SET"]
	if get.Count != stats["get"].Calls || get.Errors[results.ErrNoPerm] != stats["get"].Rejected || set.Count != stats["set"].Calls || set.ErrorCount() != 0 {
		t.Errorf("run: GET %d ok %v failed, SET %d ok %v failed; server: get %+v, set %+v", get.Count, get.Errors, set.Count, set.Errors, stats["get"], stats["set"])
	}
	if all.failed == 0 || all.failed != all.errors[results.ErrNoPerm] {
		t.Errorf("errors %v: want NOPERM only", all.errors)
	}
	if samples := fr.run.Summary.ErrorSamples[results.ErrNoPerm]; len(samples) == 0 || !strings.Contains(samples[0], "no permissions to run the 'get' command") {
		t.Errorf("NOPERM messages %q", samples)
	}
	// Before the change no error; after it, no GET succeeded.
	var sawFailure bool
	for _, iv := range fr.run.Intervals {
		g := iv.Commands["GET"]
		if g == nil {
			continue
		}
		if sawFailure && g.Count > 0 && g.ErrorCount() == 0 {
			t.Errorf("interval %d: %d GETs succeeded after GET was taken away", iv.Index, g.Count)
		}
		sawFailure = sawFailure || g.ErrorCount() > 0
	}
	for _, f := range []string{results.FileName, "summary.txt", "report.html"} {
		if b, _ := os.ReadFile(filepath.Join(dir, f)); strings.Contains(string(b), "s3cret-pw") {
			t.Errorf("%s holds the password", f)
		}
	}
}

// TestOutDiskFull runs amrbench under a file-size limit (RLIMIT_FSIZE,
// as ulimit -f sets it, on the child process only) that result.jsonl
// outgrows mid-run, as a full disk would stop it: the run stops at once,
// says which file it could not write, what is kept and what was not
// written, prints the summary of what it kept, and exits 1; every interval
// that reached the file before is still there and readable, the cut last
// line is reported as such, the server ran no fewer operations than those
// intervals count as succeeded, and report renders the file.
func TestOutDiskFull(t *testing.T) {
	t.Parallel()
	s := benchtest.StartServer(t)
	dir := filepath.Join(t.TempDir(), "out")
	const limitKB = 24 // a header and a dozen or so intervals of 100 ms
	args := append([]string{"-c", fmt.Sprintf(`ulimit -f %d && exec "$0" "$@"`, limitKB*2), binary(t)},
		runArgs(s, "--duration", "20s", "--interval", "100ms", "--connections", "2", "--server-stats=false", "--out", dir)...)
	cmd := exec.Command("sh", args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code := exitCode(t, cmd, 40*time.Second)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, stderr.String())
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the run went on for %s after its file could not grow", time.Since(start))
	}
	run := readRun(t, dir)
	for _, want := range []string{"could not write the result file", results.FileName + ": file too large", "the run stopped there",
		fmt.Sprintf("the %d intervals before it stay readable", len(run.Intervals)), "not written: its summary, summary.txt, report.html"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}
	if !strings.Contains(stdout.String(), "ALL") {
		t.Errorf("no summary of the intervals kept on stdout:\n%s", stdout.String())
	}
	if res := cli(t, nil, "report", dir); res.code != exitOK || !strings.Contains(res.stdout, "ALL") {
		t.Errorf("report of the kept intervals: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if len(run.Intervals) < 5 {
		t.Fatalf("%d intervals kept", len(run.Intervals))
	}
	var ok int64
	for i, iv := range run.Intervals {
		if iv.Index != int64(i) {
			t.Fatalf("interval %d has index %d", i, iv.Index)
		}
		n, _ := intervalTotals(iv)
		ok += n
	}
	if calls := s.CommandCalls(t); calls["get"]+calls["set"] < ok {
		t.Errorf("the server ran %d, the intervals kept count %d successes", calls["get"]+calls["set"], ok)
	}
	if fi, err := os.Stat(filepath.Join(dir, results.FileName)); err != nil || fi.Size() > limitKB<<10 {
		t.Errorf("result file: %v, size beyond the limit", err)
	}
	t.Logf("%d intervals kept, truncated %v; stderr:\n%s", len(run.Intervals), run.Truncated, stderr.String())
}

// TestClusterPrimaryKilled kills one primary of a three-shard cluster with
// replicas 2 s into an open loop; its replica is promoted. The operations
// of that shard fail while it is down (connection, timeout or CLUSTERDOWN
// errors), the others go on, every operation due is issued or dropped, the
// run ends with the new primary serving, and the outage is above the error
// budget: exit 98. (The killed node's counts die with it, so the server
// side is checked on the survivors only: they ran no more than the run
// issued and at least the successes the run counts on them.)
func TestClusterPrimaryKilled(t *testing.T) {
	t.Parallel()
	const rate, conns = 1500, 3
	c := benchtest.StartCluster(t, benchtest.WithReplicas(1), benchtest.WithNodeTimeout(time.Second))
	host, port := c.Seed()
	dir := filepath.Join(t.TempDir(), "out")
	victim := c.Nodes[0]
	var promoted *benchtest.ClusterNode
	fr := runWithFault(t, []string{"run", "-s", host, "-p", strconv.Itoa(port), "--reply-wait", "park", "--rate", strconv.Itoa(rate),
		"--duration", "8s", "--connections", strconv.Itoa(conns), "--timeout", "1s", "--server-stats=false", "--out", dir}, dir, 2, func() {
		c.Kill(victim)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var err error
		if promoted, err = c.WaitFailover(ctx, victim); err != nil {
			t.Error(err)
		}
	})
	all := checkFinished(t, fr, 8, exitErrorBudget)
	checkSchedule(t, fr, all, rate, conns)
	for class, n := range all.errors {
		if class != results.ErrConnection && class != results.ErrTimeout && class != results.ErrClusterDown {
			t.Errorf("%d errors of class %s in a failover", n, class)
		}
	}
	if all.failed == 0 {
		t.Error("no failure: the outage does not show")
	}
	var ran int64
	for _, node := range c.CommandStats(t) {
		ran += node["get"].Calls + node["set"].Calls
	}
	var survivorsOK int64 // the successes the run counts for the surviving nodes
	for _, iv := range fr.run.Intervals {
		for addr, sh := range iv.Shards {
			if addr != victim.ClientAddr() {
				survivorsOK += sh.Count
			}
		}
	}
	if ran < survivorsOK || ran > all.issued() {
		t.Errorf("the surviving nodes ran %d operations; the run counts %d successes on them and issued %d in all", ran, survivorsOK, all.issued())
	}
	last := fr.run.Intervals[len(fr.run.Intervals)-1]
	if ok, failed := intervalTotals(last); failed != 0 || promoted == nil || last.Shards[promoted.ClientAddr()] == nil || last.Shards[promoted.ClientAddr()].Count == 0 {
		t.Errorf("last interval: %d ok, %d failed, shards %v: want the promoted primary serving", ok, failed, last.Shards)
	}
	t.Logf("errors %v, %d dropped, %d reconnects, survivors ran %d (%d successes counted on them) of %d issued", all.errors, fr.run.Summary.Dropped, fr.run.Summary.Reconnects, ran, survivorsOK, all.issued())
}
