package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/benchtest"
	"github.com/amrbench/amrbench/results"
)

// TestSegmentsStartedTogetherMergeExactly runs one test as three separate
// processes, --segment 0/3, 1/3 and 2/3, started together with --start-at,
// then merges them: the merged counts are the server's own, and the merged
// percentiles are those of one histogram holding the three runs' histograms.
//
// It is not parallel: its three processes load the CPU for a few seconds,
// and the open-loop tests of this package measure rates.
func TestSegmentsStartedTogetherMergeExactly(t *testing.T) {
	s := benchtest.StartServer(t)
	binary(t) // built before the start time is chosen
	s.ResetStats(t)
	root := t.TempDir()
	startAt := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	var dirs []string
	type proc struct {
		wait func() int
		err  fmt.Stringer
	}
	var procs []proc
	for i := range 3 {
		dir := filepath.Join(root, fmt.Sprintf("seg-%d", i))
		dirs = append(dirs, dir)
		// An open loop at a modest rate, so as not to saturate a shared
		// machine: 6,000 ops/s over 7 connections, each segment its share.
		cmd, stderr := startProcess(t, runArgs(s, "--connections", "7", "--rate", "6000", "--duration", "1500ms", "--interval", "250ms",
			"--segment", fmt.Sprintf("%d/3", i), "--start-at", startAt, "--seed", "7", "--out", dir, "-q", "--verdict-exit=false")...)
		procs = append(procs, proc{func() int { return exitCode(t, cmd, 30*time.Second) }, stderr})
	}
	for i, p := range procs {
		if code := p.wait(); code != 0 {
			t.Fatalf("segment %d/3: exit %d: %s", i, code, p.err)
		}
	}
	merged := filepath.Join(root, "merged")
	res := cli(t, nil, append(append([]string{"merge"}, dirs...), "-o", merged)...)
	checkMergeExit(t, res.code, merged, res.stderr)
	if strings.Contains(res.stderr, "warning") {
		t.Errorf("merging three segments started together on one host warns:\n%s", res.stderr)
	}
	run := readRun(t, merged)
	if run.Summary == nil || run.Header.Segment != "0/1" || len(run.Header.Sources) != 3 {
		t.Fatalf("merged header: segment %q, %d sources, summary %v", run.Header.Segment, len(run.Header.Sources), run.Summary != nil)
	}

	// Every operation once: the server counted what the merge holds.
	calls := s.CommandCalls(t)
	get, set, all := run.Summary.Commands["GET"], run.Summary.Commands["SET"], run.Summary.Commands[results.AllCommands]
	if get.Count != calls["get"] || set.Count != calls["set"] || all.Count != calls["get"]+calls["set"] || all.Count == 0 {
		t.Fatalf("merged GET %d SET %d ALL %d; server counted get %d set %d", get.Count, set.Count, all.Count, calls["get"], calls["set"])
	}

	// The server was read by all three segments: the merge keeps one
	// sample per interval, so the GETs it counted appear once, not thrice.
	// (A segment's sampler reads the server from its own start, before the
	// measured window and after it, so its samples hold at least the
	// window's GETs and at most the server's.)
	sampled := sampledCalls(run, s.Addr(), "get")
	if len(run.Server) == 0 || sampled > calls["get"] || sampled < get.Count*9/10 {
		t.Errorf("merged server records (%d) count %d GETs; the server counted %d, the merged run %d", len(run.Server), sampled, calls["get"], get.Count)
	}

	// Exact: the merged percentiles are those of the sum of the three runs'
	// histograms, and the intervals line up one for one.
	sum := results.NewCommandStats()
	conns := 0
	var segIntervals int
	for i, dir := range dirs {
		seg := readRun(t, dir)
		if seg.Header.StartAt.IsZero() || seg.Header.Segment != fmt.Sprintf("%d/3", i) || seg.Header.Clock == nil {
			t.Fatalf("segment %d header: start_at %v, segment %q, clock %v", i, seg.Header.StartAt, seg.Header.Segment, seg.Header.Clock)
		}
		totals, _, err := results.Totals(seg.Intervals)
		if err != nil {
			t.Fatal(err)
		}
		if err := sum.Add(totals[results.AllCommands]); err != nil {
			t.Fatal(err)
		}
		conns += seg.Header.Connections
		segIntervals = max(segIntervals, len(seg.Intervals))
	}
	if conns != 7 || run.Header.Connections != 7 {
		t.Fatalf("the segments opened %d connections, the merged header says %d; want 7", conns, run.Header.Connections)
	}
	// The segments' shares of the rate add up to the whole test's.
	if math.Abs(run.Header.TargetRate-6000) > 1e-6 {
		t.Errorf("merged target rate %g, want 6000", run.Header.TargetRate)
	}
	for _, iv := range run.Intervals {
		if iv.Index >= 0 && iv.Index < int64(len(run.Intervals))-1 && math.Abs(iv.TargetRate-6000) > 1e-6 {
			t.Errorf("merged interval %d: target rate %g, want 6000", iv.Index, iv.TargetRate)
		}
	}
	want := results.LatencyOf(sum.Response, run.Header.Percentiles)
	for i, p := range all.Response.Percentiles {
		if p.Micros != want.Percentiles[i].Micros {
			t.Errorf("merged p%g = %d µs; the sum of the runs' histograms says %d µs", p.Percentile, p.Micros, want.Percentiles[i].Micros)
		}
	}
	t.Logf("merged: GET %d + SET %d = %d operations; server commandstats: get %d + set %d", get.Count, set.Count, all.Count, calls["get"], calls["set"])
	t.Logf("merged percentiles (µs) %v, max %d; from the sum of the three runs' histograms %v, max %d", all.Response.Percentiles, all.Response.MaxMicros, want.Percentiles, sum.Response.Max())
	if all.Response.MaxMicros != sum.Response.Max() || sum.Count != all.Count {
		t.Errorf("merged max %d µs, count %d; sum of the runs: %d µs, %d", all.Response.MaxMicros, all.Count, sum.Response.Max(), sum.Count)
	}
	if len(run.Intervals) != segIntervals {
		t.Errorf("%d merged intervals from segments of %d: they did not line up", len(run.Intervals), segIntervals)
	}
	start, _ := time.Parse(time.RFC3339Nano, startAt)
	for _, iv := range run.Intervals {
		if want := start.Add(time.Duration(iv.Index) * 250 * time.Millisecond); iv.Index > 0 && !iv.Start.Equal(want) {
			t.Errorf("merged interval %d starts at %s, want %s", iv.Index, iv.Start, want)
		}
	}
	for _, name := range []string{"summary.txt", "report.html", "ALL.hgrm", "intervals.hlog"} {
		if _, err := os.Stat(filepath.Join(merged, name)); err != nil {
			t.Errorf("merged directory: %v", err)
		}
	}
}

// checkMergeExit fails t unless a merge into dir exited 0, or with the code
// of a merged verdict of not-offered: segments sharing a loaded machine can
// be descheduled long enough to drop operations, a verdict of the test
// that does not concern the counts the merge tests check.
func checkMergeExit(t *testing.T, code int, dir, stderr string) {
	t.Helper()
	if code == exitOK {
		return
	}
	if code == exitFailed && strings.Contains(stderr, "verdict "+results.StatusNotOffered) {
		if v := readRun(t, dir).Summary.Verdict; v != nil && v.Status == results.StatusNotOffered && v.ExitCode == code {
			t.Logf("the merged test could not offer its rate on this machine: %s", v.Reasons[0])
			return
		}
	}
	t.Fatalf("merge: exit %d: %s", code, stderr)
}

// TestASegmentsVerdictIsMerges runs a test split in two segments whose
// verdict fails, as k8s-job's pods run them (--verdict-exit=false): each
// segment measured, so each exits 0 and records its own verdict with the
// code a whole run would exit with; merge judges the test and exits with
// the merged verdict's code, as run does.
func TestASegmentsVerdictIsMerges(t *testing.T) {
	t.Parallel()
	plain := benchtest.StartServer(t)
	acl := benchtest.StartServer(t, benchtest.WithACLUser("bench", "s3cret-pw", "~* +@all -get"))
	tests := []struct {
		name   string
		server *benchtest.Server
		args   []string
		status string
		code   int
	}{
		{"an objective missed", plain, []string{"--slo", "p50<1us"}, results.StatusSLOMissed, exitSLOMissed},
		{"errors above the budget", acl, []string{"--user", "bench", "-a", "s3cret-pw"}, results.StatusErrorBudget, exitErrorBudget},
		{"a test that met its objective", plain, []string{"--slo", "p99<10s"}, results.StatusOK, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			startAt := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
			dirs := []string{filepath.Join(root, "seg-0"), filepath.Join(root, "seg-1")}
			done := make(chan cliResult, len(dirs))
			for i, dir := range dirs {
				go func() {
					done <- cli(t, nil, runArgs(tt.server, append([]string{"--connections", "2", "--duration", "1s", "--interval", "500ms",
						"--segment", fmt.Sprintf("%d/2", i), "--start-at", startAt, "--seed", "7", "--out", dir, "-q", "--verdict-exit=false"}, tt.args...)...)...)
				}()
			}
			for range dirs {
				if res := <-done; res.code != exitOK {
					t.Fatalf("a segment whose verdict is %s exits %d, want 0 (--verdict-exit=false):\n%s", tt.status, res.code, res.stderr)
				}
			}
			for i, dir := range dirs {
				seg := readRun(t, dir)
				if v := seg.Summary.Verdict; v == nil || v.Status != tt.status || v.ExitCode != tt.code {
					t.Fatalf("segment %d: verdict %+v, want %s recorded with code %d", i, v, tt.status, tt.code)
				}
			}
			merged := filepath.Join(root, "merged")
			res := cli(t, nil, append(append([]string{"merge"}, dirs...), "-o", merged)...)
			if res.code != tt.code {
				t.Fatalf("merge: exit %d, want %d (the merged verdict's):\n%s", res.code, tt.code, res.stderr)
			}
			if tt.code != exitOK && !strings.Contains(res.stderr, "verdict "+tt.status) {
				t.Errorf("merge's stderr does not give the verdict:\n%s", res.stderr)
			}
			run := readRun(t, merged)
			if v := run.Summary.Verdict; v == nil || v.Status != tt.status || v.ExitCode != tt.code {
				t.Fatalf("merged verdict %+v, want %s with code %d", v, tt.status, tt.code)
			}
		})
	}
}
