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
			"--segment", fmt.Sprintf("%d/3", i), "--start-at", startAt, "--seed", "7", "--out", dir, "-q")...)
		procs = append(procs, proc{func() int { return exitCode(t, cmd, 30*time.Second) }, stderr})
	}
	for i, p := range procs {
		// Three processes on a shared machine can be descheduled long
		// enough near the end to drop operations: a verdict of its own
		// (not-offered, exit 1), which does not concern the merge.
		switch code := p.wait(); {
		case code == exitFailed && strings.Contains(p.err.String(), "verdict "+results.StatusNotOffered):
			t.Logf("segment %d/3 could not offer its rate on this machine: %s", i, p.err)
		case code != 0:
			t.Fatalf("segment %d/3: exit %d: %s", i, code, p.err)
		}
	}
	merged := filepath.Join(root, "merged")
	res := cli(t, nil, append(append([]string{"merge"}, dirs...), "-o", merged)...)
	if res.code != 0 {
		t.Fatalf("merge: exit %d: %s", res.code, res.stderr)
	}
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
