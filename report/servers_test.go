package report

import (
	"strings"
	"testing"
	"time"

	"github.com/amrbench/amrbench/results"
)

func ptr[T any](v T) *T { return &v }

// serverBoundRun is a 4 s cluster run whose first primary's main thread
// ran at 96 % of a core throughout, with a replica and a managed-like
// primary that reports no main-thread CPU and no maxmemory.
func serverBoundRun() *results.Run {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	h := fixtureHeader("20261123T120000Z-hot", "hot", start)
	h.Mode, h.Connections, h.Pipeline, h.IntervalS = results.ModeClosed, 8, 1, 1
	run := &results.Run{Header: h}
	for k := range int64(4) {
		get := results.NewCommandStats()
		get.Count = 40000
		get.Response.RecordValue(200)
		get.Service.RecordValue(200)
		span := func() (time.Time, time.Time) {
			return start.Add(time.Duration(k) * time.Second), start.Add(time.Duration(k+1) * time.Second)
		}
		s, e := span()
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

// summaryText returns the summary text of run.
func summaryText(t *testing.T, run *results.Run) string {
	t.Helper()
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteSummary(&b, run, sum, nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSummaryHasTheServerTableAndVerdict(t *testing.T) {
	t.Parallel()
	text := summaryText(t, serverBoundRun())
	for _, want := range []string{
		"Servers: what each server's INFO said",
		"Hot shard (by the servers' own counts): 10.0.0.1:7000 ran 75 % of the load's commands (an even spread over 2 primaries is 50 %).",
		"Verdict   ok: server-bound at 40,000 ops/s (shard 10.0.0.1:7000: CPU at 96 % of a core in 4 of 4 intervals): the cache, not the client, set this throughput",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	lines := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[0], "10.0.0.") {
			lines[f[0]] = strings.Join(f, " ")
		}
	}
	for addr, want := range map[string]string{
		// SERVER ROLE CPU CPUMAX MAIN MAINMAX CMDTIME CALLS SHARE MEMORY OFMAX CLIENTS EVICTED SLOTS
		"10.0.0.1:7000": "10.0.0.1:7000 primary 101.0 101.0 96.0 96.0 - 120,000 75.0% 64.0 MiB 25.0% 9 0 8,192",
		"10.0.0.2:7000": "10.0.0.2:7000 primary 31.0 31.0 - - - 40,000 25.0% 60.0 MiB - 9 - 8,192",
		"10.0.0.3:7000": "10.0.0.3:7000 replica 12.0 12.0 10.0 10.0 - 0 - - - - - 0",
	} {
		if lines[addr] != want {
			t.Errorf("row of %s:\n got %q\nwant %q", addr, lines[addr], want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestSummaryWithoutServerRecordsHasNoServerTable(t *testing.T) {
	t.Parallel()
	run := serverBoundRun()
	run.Server = nil
	if text := summaryText(t, run); strings.Contains(text, "Servers:") || strings.Contains(text, "server-bound") {
		t.Fatalf("a run without server records shows a server table:\n%s", text)
	}
}

// TestStepsSayWhichWereServerBound: a staircase whose second step saturated
// its shard's main thread says so for that step alone.
func TestStepsSayWhichWereServerBound(t *testing.T) {
	t.Parallel()
	run := serverBoundRun()
	run.Header.Mode = results.ModeOpen
	for i, iv := range run.Intervals {
		iv.Phase = []string{"20k", "20k", "40k", "40k"}[i]
		iv.TargetRate = []float64{20000, 20000, 40000, 40000}[i]
		cpu := []float64{55, 60, 97, 98}[i]
		run.Server[i].Servers["10.0.0.1:7000"].MainThreadCPUPercent = &cpu
	}
	sum, err := run.Summarize()
	if err != nil {
		t.Fatal(err)
	}
	_, verdict, err := StepsTable(run, sum)
	if err != nil {
		t.Fatal(err)
	}
	want := "Step 40k: server-bound at 40,000 ops/s (shard 10.0.0.1:7000: CPU at 98 % of a core in 2 of 2 intervals).\n"
	if !strings.Contains(verdict, want) || strings.Contains(verdict, "Step 20k") {
		t.Fatalf("verdict:\n%s\nwant the line %q and none for 20k", verdict, want)
	}
}
