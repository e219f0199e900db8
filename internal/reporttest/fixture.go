package reporttest

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

// ReadRun reads the result file at path (one of package report's fixed
// result files under report/testdata, kept up to date by its
// TestFixturesAreUpToDate) and summarizes it.
func ReadRun(t testing.TB, path string) (*results.Run, *results.Summary) {
	t.Helper()
	run, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	return run, sum
}

// CheckGolden compares got with the golden file at path, or writes got
// there when update is set (the test package's -update flag). pkg is the
// package's directory as go test takes it ("./report"), named in the hint
// how to rewrite the file.
func CheckGolden(t testing.TB, path string, got []byte, update bool, pkg string) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test %s -update to write it)", err, pkg)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: the output changed; if that is intended, run go test %s -update and review the diff.\ngot:\n%s", path, pkg, got)
	}
}

// FixtureHeader is the header of every fixed run: the same tool, host,
// percentiles, seed and clock reading, with the run's own ID, label and
// start.
func FixtureHeader(runID, label string, start time.Time) *results.Header {
	return &results.Header{
		Tool:  results.Tool{Name: "amrbench", Version: "v0.6.0", Commit: "4f2a9c1e7b3d5a60"},
		RunID: runID, Label: label, Start: start, Host: "loadgen-1", Segment: "0/1",
		IntervalS: 1, Percentiles: []float64{50, 90, 99, 99.9, 99.99}, Seed: 42,
		Clock:               &results.ClockReading{OffsetMS: 0.8, UncertaintyMS: 0.3},
		CountExcludesErrors: true,
	}
}

func ptr[T any](v T) *T { return &v }

// ServerBoundRun is a 4 s cluster run whose first primary's main thread
// ran at 96 % of a core throughout, with a replica and a managed-like
// primary that reports no main-thread CPU and no maxmemory.
func ServerBoundRun() *results.Run {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	h := FixtureHeader("20261123T120000Z-hot", "hot", start)
	h.Mode, h.Connections, h.Pipeline, h.IntervalS = results.ModeClosed, 8, 1, 1
	run := &results.Run{Header: h}
	for k := range int64(4) {
		get := results.NewCommandStats()
		get.Count = 40000
		get.Response.RecordValue(200)
		get.Service.RecordValue(200)
		s, e := start.Add(time.Duration(k)*time.Second), start.Add(time.Duration(k+1)*time.Second)
		run.Intervals = append(run.Intervals, &results.Interval{Type: results.TypeInterval, Index: k, Start: s, End: e, Connections: 8,
			Commands: map[string]*results.CommandStats{"GET": get}})
		run.Server = append(run.Server, &results.ServerInterval{Type: results.TypeServer, Index: k, Start: s, End: e,
			Servers: map[string]*results.ServerSample{
				"10.0.0.1:7000": {Role: results.RolePrimary, ElapsedS: 1, CPUPercent: ptr(101.0), MainThreadCPUPercent: ptr(96.0),
					Commands:   map[string]*results.ServerCommandStats{"get": {Calls: 30000}, "info": {Calls: 1}},
					UsedMemory: ptr(int64(64 << 20)), MaxMemory: ptr(int64(256 << 20)), MemoryPercent: ptr(25.0),
					ConnectedClients: ptr(int64(9)), EvictedKeys: ptr(int64(0)), Slots: ptr(int64(8192))},
				"10.0.0.2:7000": {Role: results.RolePrimary, ElapsedS: 1, CPUPercent: ptr(31.0),
					Commands:   map[string]*results.ServerCommandStats{"get": {Calls: 10000}, "info": {Calls: 1}},
					UsedMemory: ptr(int64(60 << 20)), ConnectedClients: ptr(int64(9)), Slots: ptr(int64(8192))},
				"10.0.0.3:7000": {Role: results.RoleReplica, Primary: "10.0.0.1:7000", ElapsedS: 1, CPUPercent: ptr(12.0), MainThreadCPUPercent: ptr(10.0),
					Commands: map[string]*results.ServerCommandStats{"info": {Calls: 1}}, Slots: ptr(int64(0))},
			}})
	}
	return run
}
